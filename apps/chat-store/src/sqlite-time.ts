/** A DateTime as Prisma's SQLite adapter stores it (`iso8601`, with `+00:00` for `Z`). */
export function sqliteTime(at: Date): string {
  return at.toISOString().replace('Z', '+00:00');
}
