import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { isFinalJobState, type JobView } from '@sluice/contracts';
import { Command, InvalidArgumentError } from 'commander';
import { ApiClient } from './client';
import { loadCredentials, saveCredentials } from './credentials';
import { table } from './format';
import { parseDependency, parseSbatch } from './sbatch';
import { fairshareText, jobShowText, queueText } from './scheduling-views';

const int = (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('expected a whole number');
  return Number(v);
};

const print = (json: boolean, data: unknown, text: () => string) => console.log(json ? JSON.stringify(data, null, 2) : text());

function client(): ApiClient {
  const c = loadCredentials();
  if (!c) throw new Error('not logged in: run `sluice login --url http://HOST:PORT` (or set SLUICE_URL and SLUICE_TOKEN)');
  return new ApiClient(c.url, c.token);
}

async function readPassword(): Promise<string> {
  if (process.env.SLUICE_PASSWORD) return process.env.SLUICE_PASSWORD;
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
  const answer = await rl.question('Password: ');
  rl.close();
  return answer;
}

interface SubmitOptions {
  gpus?: number;
  time?: number;
  name?: string;
  script?: string;
  account?: string;
  qos?: string;
  pool?: string;
  gpuModel?: string;
  dependency?: string;
  image?: string;
}

/** Drops unset options, so the server applies its defaults. */
const defined = <T extends Record<string, unknown>>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

const program = new Command('sluice').description('Sluice GPU cluster: submit and watch jobs').option('--json', 'machine-readable output');
const json = () => program.opts<{ json?: boolean }>().json === true;

program
  .command('login')
  .description('get an API token and keep it in ~/.config/sluice/credentials.json')
  .option('--url <url>', 'portal URL', process.env.SLUICE_URL ?? 'http://127.0.0.1:3000')
  .option('--user <name>', 'user name', process.env.USER ?? 'admin')
  .action(async (o: { url: string; user: string }) => {
    const t = await new ApiClient(o.url, null).login(o.user, await readPassword());
    const file = saveCredentials({ url: o.url, token: t.token });
    print(json(), { url: o.url, expiresAt: t.expiresAt }, () => `logged in to ${o.url} as ${o.user}; token saved in ${file}`);
  });

program
  .command('submit')
  .description('submit a command, or a batch script (its #SBATCH lines are read)')
  .option('-G, --gpus <n>', 'GPUs', int)
  .option('-t, --time <minutes>', 'time limit in minutes', int)
  .option('-J, --name <name>', 'job name')
  .option('-s, --script <file>', 'batch script to run')
  .option('-A, --account <name>', 'account to charge (default: your default account)')
  .option('-q, --qos <name>', 'QOS class (default: batch)')
  .option('-p, --pool <name>', 'only nodes of this pool (Slurm: partition)')
  .option('--gpu-model <model>', 'only GPUs of this model')
  .option('-d, --dependency <spec>', 'afterok:<job id>[:<job id>...]')
  .option('--image <ref>', "run in this container image (the node's local store, or a registry the site allows)")
  .argument('[command...]', 'command to run (quote it, or put it after --)')
  .action(async (words: string[], o: SubmitOptions) => {
    let command = words.join(' ');
    let fromScript: ReturnType<typeof parseSbatch> = { ignored: [] };
    if (o.script) {
      command = readFileSync(o.script, 'utf8');
      fromScript = parseSbatch(command);
      if (fromScript.ignored.length > 0 && !json()) console.error(`note: ignored #SBATCH options: ${fromScript.ignored.join(' ')}`);
    }
    if (!command.trim()) throw new Error('nothing to run: give a command or --script FILE');
    const job = await client().submit({
      command,
      gpus: o.gpus ?? fromScript.gpus ?? 1,
      timeLimitMinutes: o.time ?? fromScript.timeLimitMinutes ?? 60,
      ...defined({
        name: o.name ?? fromScript.name,
        account: o.account ?? fromScript.account,
        qos: o.qos ?? fromScript.qos,
        pool: o.pool ?? fromScript.pool,
        gpuModel: o.gpuModel,
        image: o.image ?? fromScript.image,
        dependsOn: o.dependency ? parseDependency(o.dependency) : fromScript.dependsOn,
      }),
    });
    print(json(), job, () => `Submitted job ${job.id}`);
  });

program
  .command('jobs')
  .description('my jobs, newest first (admins: --all for everyone\'s)')
  .option('-a, --all', 'all users (admins)')
  .action(async (o: { all?: boolean }) => {
    const jobs = await client().jobs(o.all === true);
    print(json(), { jobs }, () =>
      table(
        ['ID', 'NAME', 'USER', 'STATE', 'GPUS', 'NODE', 'REASON', 'SUBMITTED'],
        jobs.map((j) => [j.id, j.name, j.user, j.state, j.gpus, j.node, j.reason, j.submittedAt.replace('T', ' ').slice(0, 19)]),
      ),
    );
  });

program
  .command('queue')
  .description("everyone's pending jobs in queue order, with reason and estimated start (like squeue)")
  .action(async () => {
    const jobs = await client().queue();
    print(json(), { jobs }, () => queueText(jobs));
  });

program
  .command('fairshare')
  .alias('share')
  .description('fair-share standing of the accounts and your users in them (like sshare)')
  .action(async () => {
    const view = await client().fairshare();
    print(json(), view, () => fairshareText(view));
  });

program
  .command('job')
  .description('one job')
  .command('show')
  .description('a job: state, and for a pending job why it waits, its position, estimated start and priority')
  .argument('<id>')
  .action(async (id: string) => {
    const job = await client().job(id);
    print(json(), job, () => jobShowText(job));
  });

program
  .command('cancel')
  .description('cancel jobs')
  .argument('<ids...>')
  .action(async (ids: string[]) => {
    const c = client();
    const done: JobView[] = [];
    for (const id of ids) done.push(await c.cancel(id));
    print(json(), { jobs: done }, () => done.map((j) => `job ${j.id}: ${j.state}`).join('\n'));
  });

program
  .command('logs')
  .description('a job\'s output')
  .argument('<id>')
  .option('-f, --follow', 'keep printing until the job ends')
  .action(async (id: string, o: { follow?: boolean }) => {
    const c = client();
    let offset = 0;
    for (;;) {
      const chunk = await c.logs(id, offset);
      process.stdout.write(chunk.text);
      offset = chunk.next;
      if (!o.follow) return;
      if (chunk.text === '') {
        if (isFinalJobState((await c.job(id)).state)) return;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  });

program
  .command('nodes')
  .description('nodes and their GPUs')
  .action(async () => {
    const nodes = await client().nodes();
    print(json(), { nodes }, () =>
      table(
        ['NODE', 'STATE', 'GPUS', 'FREE', 'MODEL'],
        nodes.map((n) => [n.name, n.state, n.gpus.length, n.gpus.filter((g) => g.jobId === null).length, [...new Set(n.gpus.map((g) => g.model))].join(',')]),
      ),
    );
  });

program.parseAsync().catch((err: unknown) => {
  console.error(`sluice: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
