import path from 'node:path';

export type Provider = 'sqlite' | 'postgresql';

export function providerOf(url: string): Provider {
  if (/^postgres(ql)?:\/\//i.test(url)) return 'postgresql';
  if (url.startsWith('file:')) return 'sqlite';
  throw new Error(`DATABASE_URL must be a file: (SQLite) or postgres:// URL, got ${redactUrl(url)}`);
}

/** The default database: a SQLite file in the data directory. */
export function defaultDatabaseUrl(dataDir: string): string {
  return `file:${path.resolve(dataDir, 'tidings.db')}`;
}

/** The file path of a `file:` URL (relative paths are taken from the working directory). */
export function sqlitePath(url: string): string {
  const rest = url.slice('file:'.length).split('?')[0]!;
  if (rest === ':memory:' || rest === '') return ':memory:';
  return rest.startsWith('//') ? new URL(url).pathname : path.resolve(rest);
}

/** A URL without its password, for logs and errors. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

/** The `?schema=` of a PostgreSQL URL (Prisma's convention), or undefined for the default `public`. */
export function postgresSchemaOf(url: string): string | undefined {
  const schema = new URL(url).searchParams.get('schema') ?? undefined;
  if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name in DATABASE_URL: ${schema}`);
  return schema;
}
