/** A passkey as its owner's security page sees it: never the key itself. */
export interface PasskeyView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** Backup eligible: a synced passkey (a password manager or platform account keeps copies). */
  synced: boolean;
  /** Backed up at its last use (the backup-state flag). */
  backedUp: boolean;
  transports: string[];
}

export const passkeySelect = {
  id: true,
  name: true,
  createdAt: true,
  lastUsedAt: true,
  backupEligible: true,
  backupState: true,
  transports: true,
} as const;

export function passkeyView(row: {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  backupEligible: boolean | null;
  backupState: boolean | null;
  transports: string[];
}): PasskeyView {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    synced: row.backupEligible ?? false,
    backedUp: row.backupState ?? false,
    transports: row.transports,
  };
}
