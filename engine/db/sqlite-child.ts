// The SQLite child process: opens the database file named by its one argument and runs the statements the gateway
// sends, one at a time, answering each (sqlite-protocol.ts). It exits when the gateway disconnects. Why a process:
// node:sqlite cannot interrupt a statement, so one that never ends is stopped by killing this process, not the gateway.
import { errorToData } from '../errors.ts';
import type { FromSqliteChild, ToSqliteChild } from './sqlite-protocol.ts';
import { SqliteFile } from './sqlite-file.ts';

const send = (message: FromSqliteChild) => process.send!(message);
let file: SqliteFile;
try {
  file = new SqliteFile(process.argv[3] ?? 'default', process.argv[2]);
} catch (error) {
  send({ fatal: (error as Error).message });
  process.exit(1);
}

process.on('message', (message: ToSqliteChild) => {
  try {
    const value = message.op === 'query' ? file.query(message.sql, message.params) : file.update(message.sql, message.params);
    send({ id: message.id, ok: true, value });
  } catch (error) {
    const data = errorToData(error);
    send({ id: message.id, ok: false, code: data.code, message: data.message });
  }
});
process.on('disconnect', () => {
  file.close();
  process.exit(0);
});
send({ ready: true });
