// Once per `vitest run`: migrate a template database that each test file clones
// (CREATE DATABASE … TEMPLATE …), so files run in parallel on their own data. When no
// PostgreSQL server answers, test files fall back to embedded PGlite.
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createLogger } from '../src/lib/logger.js';
import { adminQuery, serverAnswers, serverUrl, withDatabase } from './helpers/pg-admin.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgTemplate: { serverUrl: string; template: string; runId: string } | null;
  }
}

export default async function setup(project: TestProject) {
  const url = serverUrl();
  if (!(await serverAnswers(url))) {
    console.warn(
      `\n[tests] No PostgreSQL answers at ${url.replace(/\/\/[^@]*@/, '//***@')}: using embedded PGlite per test file.\n`,
    );
    project.provide('pgTemplate', null);
    return;
  }
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  const template = `torale_tpl_${runId}`;
  await adminQuery(url, `create database ${template}`);
  const database = await openDatabase({ url: withDatabase(url, template), logger: createLogger('silent') });
  try {
    await migrateToLatest(database.db);
  } finally {
    await database.close();
  }
  project.provide('pgTemplate', { serverUrl: url, template, runId });

  return async () => {
    const rows = await adminQuery(
      url,
      `select datname from pg_database where datname like 'torale_t%' and datname like '%${runId}%'`,
    );
    for (const { datname } of rows as { datname: string }[]) {
      await adminQuery(url, `drop database if exists ${datname} with (force)`).catch(() => {});
    }
  };
}
