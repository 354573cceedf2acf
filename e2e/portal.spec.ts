import { expect, test } from '@playwright/test';
import { logIn } from './helpers';

test('a wrong password is refused with a clear message', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText(/invalid username or password/i)).toBeVisible();
  await expect(page).toHaveURL(/\/login/);
});

test('pages need a login', async ({ page }) => {
  await page.goto('/jobs');
  await expect(page).toHaveURL(/\/login/);
});

test('submit a job, watch it complete, read its output', async ({ page }) => {
  await logIn(page);
  await page.goto('/jobs/new');
  const marker = `hello-e2e-${Date.now()}`;
  await page.getByLabel(/command/i).fill(`echo ${marker}; echo "gpus=$CUDA_VISIBLE_DEVICES"`);
  await page.getByLabel(/GPUs/i).fill('1');
  await page.getByLabel(/time limit/i).fill('5');
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page).toHaveURL(/\/jobs\/\d+$/);
  await expect(page.getByTestId('job-state')).toHaveText('COMPLETED');
  await expect(page.getByTestId('job-log')).toContainText(marker);
  await expect(page.getByTestId('job-log')).toContainText(/gpus=GPU-/);
  await page.goto('/jobs');
  await expect(page.getByRole('link', { name: /^\d+$/ }).first()).toBeVisible();
});

test('an invalid submission shows which field is wrong', async ({ page }) => {
  await logIn(page);
  await page.goto('/jobs/new');
  await page.getByLabel(/command/i).fill('echo x');
  await page.getByLabel(/GPUs/i).fill('500');
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page.getByTestId('form-error')).toContainText(/^gpus: /);
  await expect(page).toHaveURL(/\/jobs\/new/);
});

test('a container image with shell characters is refused, naming the field', async ({ page }) => {
  await logIn(page);
  await page.goto('/jobs/new');
  await page.getByLabel(/command/i).fill('echo x');
  await page.getByLabel(/container image/i).fill('ubuntu; rm -rf ~');
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page.getByTestId('form-error')).toContainText(/^image: .*only letters, digits/);
  await expect(page).toHaveURL(/\/jobs\/new/);
});

test('start a Jupyter session, open it through the portal, stop it', async ({ page, context }) => {
  await logIn(page);
  await page.goto('/sessions');
  await page.getByLabel(/GPUs/i).fill('1');
  await page.getByRole('button', { name: 'Start session' }).click();
  const state = page.getByTestId('session-state').first();
  await expect(state).toHaveText('RUNNING', { timeout: 120_000 });
  const [lab] = await Promise.all([context.waitForEvent('page'), page.getByRole('link', { name: 'Open' }).first().click()]);
  await lab.waitForLoadState();
  expect(new URL(lab.url()).pathname).toMatch(/^\/s\/\d+\//);
  // JupyterLab's own UI, served through the portal's proxy (its websockets too: a kernel starts).
  await expect(lab.locator('#jp-main-dock-panel')).toBeVisible({ timeout: 90_000 });
  await lab.close();
  await page.getByRole('button', { name: 'Stop' }).first().click();
  await expect(state).toHaveText(/STOPPED|STOPPING/);
  await expect(state).toHaveText('STOPPED', { timeout: 60_000 });
});

test('cancel a running job from its page', async ({ page }) => {
  await logIn(page);
  await page.goto('/jobs/new');
  await page.getByLabel(/command/i).fill('echo started; sleep 600');
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page.getByTestId('job-state')).toHaveText('RUNNING');
  await expect(page.getByTestId('job-log')).toContainText('started');
  page.on('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Cancel job' }).click();
  await expect(page.getByTestId('job-state')).toHaveText('CANCELLED', { timeout: 30_000 });
});
