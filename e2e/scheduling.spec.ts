import { type APIRequestContext, expect, test } from '@playwright/test';
import { logIn } from './helpers';
import { ADMIN } from './playwright.config';

// Accounts, queue explanations and fair share through the portal, on the real appliance (4 simulated GPUs).

async function adminToken(request: APIRequestContext): Promise<Record<string, string>> {
  const basic = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`;
  const tok = await (await request.post('/api/v1/tokens', { headers: { authorization: basic } })).json();
  return { authorization: `Bearer ${tok.token}` };
}

test('an admin creates a user and an account, adds the user as a member and sets a quota', async ({ page }) => {
  await logIn(page);
  await page.goto('/admin/users');
  await page.getByLabel('Username').fill('carol');
  await page.getByLabel('Password').fill('carol-Secret-42');
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.locator('[data-testid="user-row"][data-user="carol"]')).toBeVisible();

  await page.goto('/admin/accounts');
  await page.getByLabel('Account name').fill('lab-e2e');
  await page.getByLabel('Shares', { exact: true }).first().fill('3');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.locator('[data-testid="account-row"][data-account="lab-e2e"]')).toBeVisible();
  const editor = page.getByTestId('account-editor');
  await expect(editor).toContainText('lab-e2e');
  await editor.getByLabel('User').selectOption('carol');
  await editor.getByLabel('Member shares').fill('2');
  await editor.getByRole('button', { name: 'Add member' }).click();
  await expect(editor.getByTestId('member-row')).toContainText(['carol']);
  await editor.getByLabel('Max').fill('2');
  await editor.getByRole('button', { name: 'Set quota' }).click();
  await expect(editor.getByTestId('quota-table')).toContainText('all pools');
  await expect(page.locator('[data-testid="account-row"][data-account="lab-e2e"]')).toContainText('carol (2)');

  // Bad input is refused with a message naming the field.
  await page.goto('/admin/accounts');
  await page.getByLabel('Account name').fill('bad name');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('form-error')).toContainText(/^name: /);
});

test("a waiting job's page says why it waits, where it stands and how its priority adds up", async ({ page, request }) => {
  const auth = await adminToken(request);
  const submit = async (gpus: number, name: string) => (await (await request.post('/api/v1/jobs', { headers: auth, data: { command: 'sleep 600', gpus, timeLimitMinutes: 30, name } })).json()).id as string;
  const filler = await submit(4, 'fill-all-gpus');
  try {
    await expect.poll(async () => (await (await request.get(`/api/v1/jobs/${filler}`, { headers: auth })).json()).state, { timeout: 60_000 }).toBe('RUNNING');
    const waiting = await submit(1, 'must-wait');
    try {
      await logIn(page);
      await page.goto(`/jobs/${waiting}`);
      await expect(page.getByTestId('job-state')).toHaveText('PENDING');
      const panel = page.getByTestId('why-waiting');
      await expect(panel.getByRole('heading', { name: 'Why is this waiting?' })).toBeVisible();
      await expect(panel.getByTestId('why-reason')).toContainText(/GPUs|queue|reserved/);
      await expect(panel.getByTestId('why-position')).toHaveText(/^#1 in the queue, #1 in account \S+/);
      await expect(panel.getByTestId('why-estimate')).toContainText(/in \d+|unknown/);
      await expect(panel.getByTestId('priority-factor')).toHaveCount(4);
      await expect(panel.getByTestId('priority-factor').first()).toContainText('Fair share');
      await expect(panel.getByTestId('priority-total')).toHaveText(/^[\d,.]+$/);
      await panel.getByRole('link', { name: 'Fair-share standing' }).click();
      await expect(page).toHaveURL(/\/fairshare$/);

      await page.goto('/queue');
      await expect(page.locator(`[data-testid="queue-row"][data-job-id="${waiting}"]`)).toContainText('must-wait');
    } finally {
      await request.delete(`/api/v1/jobs/${waiting}`, { headers: auth });
    }
  } finally {
    await request.delete(`/api/v1/jobs/${filler}`, { headers: auth });
  }
});

test('the fair-share page shows the account tree with plain-words summaries', async ({ page, request }) => {
  const auth = await adminToken(request);
  // Some usage to talk about: a short job charged to the default account.
  const id = (await (await request.post('/api/v1/jobs', { headers: auth, data: { command: 'sleep 2', gpus: 1, timeLimitMinutes: 5 } })).json()).id as string;
  await expect.poll(async () => (await (await request.get(`/api/v1/jobs/${id}`, { headers: auth })).json()).state, { timeout: 60_000 }).toBe('COMPLETED');
  await logIn(page);
  await page.goto('/fairshare');
  await expect(page.getByRole('heading', { name: 'Fair share' })).toBeVisible();
  const summary = page.locator('[data-testid="fairshare-row"][data-user=""] [data-testid="fairshare-summary"]').first();
  await expect(summary).toHaveText(/^\S+ has \d+ of \d+ shares .* so .*\.$/);
  await expect(page.locator('[data-testid="fairshare-row"]').first()).toBeVisible();
});
