import type {
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
  SqlQueryable,
  Transaction,
} from "@prisma/driver-adapter-utils";

/** How many statements this process has sent to its database since it opened it. */
export interface StatementCounter {
  statements: number;
}

/**
 * Counts the statements a driver adapter sends, for `authkit_db_statements_total` and the
 * bench's statements per rotation. A transaction's BEGIN is counted when it starts; its COMMIT
 * or ROLLBACK is a statement the engine sends through the transaction (PostgreSQL) or, for
 * adapters whose BEGIN and COMMIT are "phantom" (PGlite's), one counted at commit or rollback.
 * On PostgreSQL each statement is one round trip.
 */
export function countStatements(
  factory: SqlMigrationAwareDriverAdapterFactory,
  counter: StatementCounter,
): SqlMigrationAwareDriverAdapterFactory {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => countOn(await connect(), counter);
  return factory;
}

function countOn(adapter: SqlDriverAdapter, counter: StatementCounter): SqlDriverAdapter {
  countQueries(adapter, counter);
  const start = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolationLevel) => {
    counter.statements += isolationLevel ? 2 : 1;
    return countTransaction(await start(isolationLevel), counter);
  };
  return adapter;
}

function countQueries(queryable: SqlQueryable, counter: StatementCounter): void {
  const queryRaw = queryable.queryRaw.bind(queryable);
  const executeRaw = queryable.executeRaw.bind(queryable);
  queryable.queryRaw = (query) => {
    counter.statements++;
    return queryRaw(query);
  };
  queryable.executeRaw = (query) => {
    counter.statements++;
    return executeRaw(query);
  };
}

function countTransaction(tx: Transaction, counter: StatementCounter): Transaction {
  countQueries(tx, counter);
  if (tx.options.usePhantomQuery) {
    const [commit, rollback] = [tx.commit.bind(tx), tx.rollback.bind(tx)];
    tx.commit = () => {
      counter.statements++;
      return commit();
    };
    tx.rollback = () => {
      counter.statements++;
      return rollback();
    };
  }
  return tx;
}
