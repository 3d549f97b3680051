// `flint user add|remove|roles|list`: the users of <data>/users.json, which a running gateway re-reads when it changes.
import { resolve } from 'node:path';
import { FlintError } from '../engine/errors.ts';
import { UserSource } from '../engine/users/user-source.ts';
import { rolesProblem, splitRoles, userNameProblem } from '../engine/users/user-rules.ts';
import { parseArgs } from './args.ts';
import { promptPassword, readPasswordFromStdin } from './password-input.ts';

export const USER_USAGE = `flint user add <name> [--roles a,b] [--password-stdin] [--data DIR]
       flint user roles <name> --roles a,b [--data DIR]
       flint user remove <name> [--data DIR]
       flint user list [--data DIR]`;

/** Runs one `flint user` command. `usage` reports bad arguments (exit 2); what the user source refuses exits 1. */
export async function userCommand(argv: string[], usage: (message: string) => never): Promise<void> {
  const { options, positional, flags } = parseArgs(argv, ['data', 'roles'], ['password-stdin']);
  const action = positional.shift();
  if (flags.has('password-stdin') && action !== 'add') usage('--password-stdin is only for user add');
  const dataDir = options.data ?? (process.env.FLINT_DATA || undefined) ?? 'data';
  const users = new UserSource({ dataDir });
  const needArguments = (count: number) => {
    if (positional.length !== count)
      usage(`${positional.length > count ? 'too many arguments' : 'missing user name'}\nusage: ${USER_USAGE}`);
    if (count > 0) {
      const problem = userNameProblem(positional[0]);
      if (problem) usage(problem);
    }
  };
  const roles = (required: boolean): string[] => {
    if (options.roles === undefined) {
      if (required) usage(`--roles is required (--roles "" for none)\nusage: ${USER_USAGE}`);
      return [];
    }
    const list = splitRoles(options.roles);
    const problem = rolesProblem(list);
    if (problem) usage(problem);
    return list;
  };
  if (options.roles !== undefined && action !== 'add' && action !== 'roles') usage('--roles is only for user add and user roles');
  try {
    switch (action) {
      case 'add': {
        needArguments(1);
        const list = roles(false);
        users.assertAvailable(positional[0]);
        const password = await passwordFor(positional[0], flags.has('password-stdin'), usage);
        const user = await users.add(positional[0], password, list);
        return say(`added user "${user.userName}" ${describeRoles(user.roles)} to ${users.path}`);
      }
      case 'roles': {
        needArguments(1);
        const user = users.setRoles(positional[0], roles(true));
        return say(`user "${user.userName}" now has ${describeRoles(user.roles).slice(1, -1)} in ${users.path}`);
      }
      case 'remove':
        needArguments(1);
        users.remove(positional[0]);
        return say(`removed user "${positional[0]}" from ${users.path}; a running gateway ends their logins`);
      case 'list': {
        needArguments(0);
        const list = users.list();
        if (list.length === 0) return say(`no users in ${resolve(users.path)}`);
        const width = Math.max(...list.map((u) => u.userName.length));
        for (const user of list) say(`${user.userName.padEnd(width)}  ${user.roles.length ? user.roles.join(', ') : '(no roles)'}`);
        return;
      }
      default:
        usage(
          `${action === undefined ? 'missing' : `unknown`} user command${action === undefined ? '' : ` "${action}"`}\nusage: ${USER_USAGE}`,
        );
    }
  } catch (error) {
    if (!(error instanceof FlintError)) throw error;
    process.stderr.write(`flint: ${error.message}\n`);
    process.exit(1);
  }
}

function say(line: string): void {
  process.stdout.write(line + '\n');
}

function describeRoles(roles: string[]): string {
  return roles.length === 0 ? '(no roles)' : `(roles: ${roles.join(', ')})`;
}

/** The new user's password: piped in, or typed twice at a terminal; never an argument, which `ps` and shell history would show. */
async function passwordFor(userName: string, fromStdin: boolean, usage: (message: string) => never): Promise<string> {
  if (fromStdin) return readPasswordFromStdin();
  const first = await promptPassword(`Password for ${userName}: `);
  if (first === undefined)
    usage(
      'stdin is not a terminal, so the password cannot be asked for: pipe it in with --password-stdin, e.g. `printf %s "$PW" | flint user add ...`',
    );
  const second = await promptPassword('Repeat the password: ');
  if (first !== second) {
    process.stderr.write('flint: the two passwords differ; nothing was changed\n');
    process.exit(1);
  }
  return first;
}
