#!/bin/sh
# Builds the client rig outside the repository: Torale's checkout, a Python 3.11 venv with the
# SDK's and the backend's dependencies (pip's configured index), Torale's SDK importable with its
# `torale/tasks/__init__.py` trimmed to the models, and the backend's packages the index lacks.
#
#   TORALE=/work/ref/torale RIG=/work/ref/rig sh scripts/torale-clients/setup-rig.sh
# Afterwards: PYTHONPATH=$RIG/sdkpkg for the SDK; $RIG/torale-env.sh for the backend.
# The sources of a2a-sdk 0.3.26, pypika-tortoise 0.6.1, slowapi 0.1.9, limits 5.8.0 and
# cron-descriptor 2.0.6 are expected under $RIG/pysrc (their public repositories, at those tags).
set -eu
TORALE=${TORALE:?checkout of prassanna-ravishankar/torale}
RIG=${RIG:?rig directory outside the repository}
mkdir -p "$RIG"
[ -x "$RIG/venv/bin/python" ] || python3.11 -m venv "$RIG/venv"
"$RIG/venv/bin/pip" install -q fastapi 'uvicorn[standard]' 'pydantic[email]' pydantic-settings httpx asyncpg \
  psycopg2-binary sqlalchemy alembic 'apscheduler<4' openai anthropic python-dotenv markdown bcrypt posthog \
  'redis[hiredis]' deprecated wrapt packaging httpx-sse protobuf google-api-core

# The SDK: Torale's files, unmodified, except the package __init__ that would pull the database layer.
rm -rf "$RIG/sdkpkg" && mkdir -p "$RIG/sdkpkg/torale/tasks"
cp "$TORALE/backend/src/torale/__init__.py" "$RIG/sdkpkg/torale/"
cp -r "$TORALE/backend/src/torale/sdk" "$RIG/sdkpkg/torale/"
cp "$TORALE/backend/src/torale/tasks/tasks.py" "$RIG/sdkpkg/torale/tasks/"
printf '%s\n' '# torale/tasks/__init__.py without the repository import: the SDK needs only the models.' \
  'from .tasks import NotificationConfig, Task, TaskExecution, TaskState, TaskStatus  # noqa: F401' \
  > "$RIG/sdkpkg/torale/tasks/__init__.py"

# Packages the backend only imports at load in no-auth mode: a few lines each.
mkdir -p "$RIG/stubs/clerk_backend_api/security" "$RIG/stubs/composio"
printf 'class Clerk:\n    def __init__(self, *a, **k):\n        raise RuntimeError("stubbed: no-auth mode only")\n' \
  > "$RIG/stubs/clerk_backend_api/__init__.py"
printf 'def verify_token(*a, **k):\n    raise RuntimeError("stubbed: no-auth mode only")\n' \
  > "$RIG/stubs/clerk_backend_api/security/__init__.py"
printf 'class TokenVerificationError(Exception):\n    pass\n\n\nclass VerifyTokenOptions:\n    def __init__(self, *a, **k):\n        pass\n' \
  > "$RIG/stubs/clerk_backend_api/security/types.py"
printf 'class Composio:\n    def __init__(self, *a, **k):\n        raise RuntimeError("stubbed")\n' \
  > "$RIG/stubs/composio/__init__.py"
[ -f "$RIG/pysrc/limits/_version.py" ] || echo '__version__ = "5.8.0"' > "$RIG/pysrc/limits/_version.py"

cat > "$RIG/torale-env.sh" <<ENV
export PYTHONPATH=$TORALE/backend/src:$RIG/pysrc:$RIG/stubs
export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/wireproofs_torale
export TORALE_NOAUTH=1 AGENT_URL=http://127.0.0.1:18220/ AGENT_URL_FREE=http://127.0.0.1:18220/ AGENT_URL_PAID=http://127.0.0.1:18220/
export POSTHOG_ENABLED=false
ENV
echo "rig ready in $RIG"
