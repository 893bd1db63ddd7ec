/** The SIEM sink contract on SQLite and on PostgreSQL (skipped when PARAPET_TEST_POSTGRES_URL is unset). */
import { POSTGRES_SKIP, postgresUnderTest, sqliteUnderTest } from '../store/store-fixtures.ts';
import { runSiemContract } from './siem-contract.ts';

runSiemContract('sqlite', () => sqliteUnderTest('parapet-siem-'));
runSiemContract('postgres', postgresUnderTest, { skip: POSTGRES_SKIP });
