// Trusted documents (operation safelisting, src/graphql/trusted-documents.ts). One entry per
// setting (see ../settings.ts).
import { oneOf, str } from '../kinds.js';

export const trustedDocuments = {
  mode: oneOf(
    'TRUSTED_DOCUMENTS',
    '`off`: any document; `log`: documents not in a manifest run, and are counted (`torale_graphql_untrusted_documents_total`) and logged; `require`: they are refused (400 `BAD_USER_INPUT`, `reason: PERSISTED_QUERY_NOT_TRUSTED`) unless the caller may send free-form documents (`TRUSTED_DOCUMENTS_FREEFORM_SCOPE`, or the no-auth dev user)',
    ['off', 'log', 'require'] as const,
    { default: 'off', lowercase: true },
  ),
  dir: str(
    'TRUSTED_DOCUMENTS_DIR',
    'directory of manifests (`*.json`, one per client): `{"<id>": "<document>"}` as `@graphql-codegen/client-preset` persisted documents, or an Apollo persisted-query manifest; re-read when a file changes (and on SIGHUP)',
  ),
  freeformScope: str(
    'TRUSTED_DOCUMENTS_FREEFORM_SCOPE',
    'API keys holding this scope (one of the key scopes) may still send free-form documents in `require` mode; sessions never may',
    { default: 'keys:write' },
  ),
};
