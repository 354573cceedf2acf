import type { UnixAccount } from './unix-account';

/**
 * Variables that change how a program starts before its own code runs: the dynamic loader's
 * (LD_PRELOAD...), glibc's (GCONV_PATH, MALLOC_*...), shells' start-up files and parsing
 * (BASH_ENV, ENV, IFS...), and interpreters'. The privileged part of a launch (the cgroup
 * join and setpriv, both run as root) sees the workload's environment, so none of these may
 * reach it from a job. glibc drops the same loader names for set-uid programs.
 */
const STARTUP_VARIABLE = /^(LD_.*|GCONV_PATH|GETCONF_DIR|HOSTALIASES|LOCALDOMAIN|LOCPATH|MALLOC_.*|GLIBC_TUNABLES|NIS_PATH|NLSPATH|RESOLV_HOST_CONF|RES_OPTIONS|TZDIR|BASH_ENV|ENV|SHELLOPTS|BASHOPTS|BASH_FUNC_.*|IFS|CDPATH|PS4|PYTHONSTARTUP|PERL5OPT|NODE_OPTIONS)$/;

/** Who the workload is: the job cannot claim to be someone else. */
const IDENTITY_VARIABLE = /^(HOME|USER|LOGNAME|SHELL)$/;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why a job-supplied variable is not passed on, or null when it is. */
export function refusedVariable(name: string, value: string): string | null {
  if (!NAME.test(name)) return `${JSON.stringify(name)} is not a valid variable name`;
  if (value.includes('\0')) return `${name} contains a NUL byte`;
  if (STARTUP_VARIABLE.test(name)) return `${name} changes how programs start and is never passed to a workload`;
  if (IDENTITY_VARIABLE.test(name)) return `${name} is set from the Unix account`;
  return null;
}

/**
 * A login-like environment for the account (what `su - user` or sshd would give, without
 * reading start-up files), with the job's own variables on top. Nothing of the agent's own
 * environment reaches it. Returns the variables refused, for a note in the job log.
 */
export function workloadEnv(
  account: Pick<UnixAccount, 'name' | 'home' | 'shell'>,
  defaultPath: string,
  jobVars: Record<string, string>,
): { env: Record<string, string>; refused: string[] } {
  const env: Record<string, string> = { PATH: defaultPath, LANG: 'C.UTF-8' };
  const refused: string[] = [];
  for (const [name, value] of Object.entries(jobVars)) {
    const why = refusedVariable(name, value);
    if (why) refused.push(why);
    else env[name] = value;
  }
  return { env: { ...env, HOME: account.home, USER: account.name, LOGNAME: account.name, SHELL: account.shell }, refused };
}
