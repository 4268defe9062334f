/** Emails are stored and compared trimmed and lower-cased (docs/api.md: case-insensitive). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
