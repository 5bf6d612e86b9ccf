import * as api from './api';
import { ApiError } from './api';
import { checkAll, checkAsTyped, clearErrors, element, onSubmit, showApiErrors, showError } from './forms';
import { explainOnLogIn, mountKeys } from './keys';
import { checkApiKey, checkCounterValue, checkEmail, checkPassword, PASSWORD_HINT } from './rules';

/**
 * The page: sign up and see the key once, or bring a key; then drive the counter and copy
 * ready-made curl lines. It holds the key in sessionStorage (this tab only), never in
 * localStorage or a cookie, and talks to the service through its public API alone.
 */
const KEY_STORAGE = 'increment.apiKey';
const ACTIVITY_LIMIT = 20;

const view = {
  start: element('start'),
  newKey: element('new-key'),
  newKeyTitle: element('new-key-title'),
  newKeyValue: element('new-key-value'),
  dashboard: element('dashboard'),
  dashboardTitle: element('dashboard-title'),
  counterValue: element<HTMLOutputElement>('counter-value'),
  results: element('results'),
  activity: element<HTMLUListElement>('activity'),
  curl: element('curl'),
};

let key: string | undefined;
/** Calls finish in any order; the big number shows the answer to the latest one. */
let latestCall = 0;
let shownCall = 0;

// ---- keeping the key for this tab --------------------------------------------------------

function readStoredKey(): string | undefined {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? undefined;
  } catch {
    return undefined; // storage disabled: the key lives in memory only
  }
}

function holdKey(newKey: string | undefined): void {
  key = newKey;
  try {
    if (newKey === undefined) sessionStorage.removeItem(KEY_STORAGE);
    else sessionStorage.setItem(KEY_STORAGE, newKey);
  } catch {
    // storage disabled: the key lives in memory only
  }
}

// ---- screens -------------------------------------------------------------------------------

function showStart(): void {
  keysPanel.hide();
  view.newKeyValue.textContent = '';
  view.start.hidden = false;
  view.newKey.hidden = true;
  view.dashboard.hidden = true;
  view.curl.hidden = true;
}

function showDashboard(): void {
  view.start.hidden = true;
  view.dashboard.hidden = false;
  view.curl.hidden = false;
  view.activity.replaceChildren();
  view.results.hidden = true;
  fillCurlLines(key!);
  keysPanel.show();
}

function showNewKey(newKey: string): void {
  view.newKeyValue.textContent = newKey;
  element('copy-new-key-status').textContent = '';
  view.newKey.hidden = false;
  view.newKeyTitle.focus();
}

function fillCurlLines(apiKey: string): void {
  const origin = window.location.origin;
  const auth = `-H ${shellQuote(`Authorization: Bearer ${apiKey}`)}`;
  showCommand('curl-next', ['curl', '-X POST', auth, `${origin}/v1/next`]);
  showCommand('curl-current', ['curl', auth, `${origin}/v1/current`]);
  showCommand('curl-reset', ['curl', '-X PUT', auth, `${origin}/v1/current`, '--data "current=1000"']);
}

/**
 * A command as its words (an option with its value is one word), each kept whole on screen: a
 * narrow screen wraps the line between words, and scrolls a word wider than the box. The text,
 * which Copy takes, is the exact line: the words joined by single spaces.
 */
function showCommand(id: string, words: readonly string[]): void {
  const spans = words.map((word) => {
    const span = document.createElement('span');
    span.className = 'word';
    span.textContent = word;
    return span;
  });
  element(id).replaceChildren(...spans.flatMap((span, index) => (index === 0 ? [span] : [' ', span])));
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Shows the answer to a counter call: the big number (if no later call has answered yet) and a line in the results. */
function record(call: number, action: string, outcome: api.Outcome<number>): void {
  const line = document.createElement('li');
  if (outcome.ok) {
    line.textContent = `${action} → ${outcome.value}`;
    if (call > shownCall) {
      shownCall = call;
      view.counterValue.value = String(outcome.value);
    }
  } else {
    line.className = 'failed';
    line.textContent = `${action} failed: ${outcome.errors.map((error) => error.detail).join(' ')}`;
  }
  view.activity.prepend(line);
  view.results.hidden = false;
  while (view.activity.children.length > ACTIVITY_LIMIT) view.activity.lastElementChild!.remove();
}

/** A key the service no longer knows (or never knew): forget it and go back to the start. */
function keyRefused(errors: readonly ApiError[]): boolean {
  if (!errors.some((error) => error.status === 401)) return false;
  holdKey(undefined);
  showStart();
  const form = element('use-key-form');
  clearErrors(form);
  showApiErrors(form, errors.filter((error) => error.status === 401).map((error) => ({ ...error, field: 'key' })));
  return true;
}

/**
 * Runs a counter call and shows its answer. Errors about an input of `form` (a refused reset
 * value) go next to that input; the others under the counter.
 */
async function counterCall(
  action: string,
  request: (apiKey: string) => Promise<api.Outcome<number>>,
  form?: HTMLFormElement,
): Promise<api.Outcome<number>> {
  const call = ++latestCall;
  const outcome = await request(key!);
  if (!outcome.ok && keyRefused(outcome.errors)) return outcome;
  record(call, action, outcome);
  const errors = outcome.ok ? [] : outcome.errors;
  const aboutInput = (error: ApiError) => Boolean(form && error.field && form.querySelector(`input[name="${error.field}"]`));
  const general = errors.filter((error) => !aboutInput(error));
  showError(view.dashboard, 'dashboard', general.length > 0 ? general.map((error) => error.detail).join(' ') : undefined);
  if (form) {
    clearErrors(form);
    if (errors.some(aboutInput)) showApiErrors(form, errors.filter(aboutInput));
  }
  return outcome;
}

// ---- wiring --------------------------------------------------------------------------------

const keysPanel = mountKeys({
  key: () => key,
  enter(newKey) {
    holdKey(newKey);
    showDashboard();
    void counterCall('current', api.current);
    view.dashboardTitle.focus();
  },
  showNewKey,
  leave(reason) {
    holdKey(undefined);
    showStart();
    explainOnLogIn(reason);
    element<HTMLInputElement>('log-in-email').focus();
  },
  keyRefused: (errors) => keyRefused(errors),
});

element('signup-password-hint').textContent = PASSWORD_HINT;
const signupForm = element<HTMLFormElement>('signup-form');
checkAsTyped(signupForm, 'email', checkEmail);
checkAsTyped(signupForm, 'password', checkPassword);
onSubmit(signupForm, async () => {
  if (!checkAll(signupForm, { email: checkEmail, password: checkPassword })) return;
  const email = signupForm.querySelector<HTMLInputElement>('input[name="email"]')!;
  const password = signupForm.querySelector<HTMLInputElement>('input[name="password"]')!;
  const outcome = await api.register(email.value, password.value);
  if (!outcome.ok) return showApiErrors(signupForm, outcome.errors);
  signupForm.reset();
  holdKey(outcome.value.apiKey);
  showDashboard();
  view.counterValue.value = '0'; // a new sequence starts at 0
  showNewKey(outcome.value.apiKey);
});

const useKeyForm = element<HTMLFormElement>('use-key-form');
onSubmit(useKeyForm, async () => {
  if (!checkAll(useKeyForm, { key: checkApiKey })) return;
  const input = useKeyForm.querySelector<HTMLInputElement>('input[name="key"]')!;
  const candidate = input.value.trim();
  const outcome = await api.current(candidate);
  // A refused key is about the key; anything else (the service unreachable) is not.
  if (!outcome.ok) return showApiErrors(useKeyForm, outcome.errors.map((error) => (error.status === 401 ? { ...error, field: 'key' } : error)));
  useKeyForm.reset();
  holdKey(candidate);
  showDashboard();
  record(++latestCall, 'current', outcome);
  view.dashboardTitle.focus();
});

element('dismiss-new-key').addEventListener('click', () => {
  view.newKeyValue.textContent = '';
  view.newKey.hidden = true;
  view.dashboardTitle.focus();
});

element('next-button').addEventListener('click', () => void counterCall('next', api.next));
element('refresh-button').addEventListener('click', () => void counterCall('current', api.current));

const resetForm = element<HTMLFormElement>('reset-form');
checkAsTyped(resetForm, 'current', checkCounterValue);
onSubmit(resetForm, async () => {
  if (!checkAll(resetForm, { current: checkCounterValue })) return;
  const input = resetForm.querySelector<HTMLInputElement>('input[name="current"]')!;
  const outcome = await counterCall(`reset to ${input.value}`, (apiKey) => api.reset(apiKey, input.value), resetForm);
  if (outcome.ok) resetForm.reset();
});

element('forget-key').addEventListener('click', () => {
  holdKey(undefined);
  showStart();
  element<HTMLInputElement>('signup-email').focus();
});

// Copy buttons: the clipboard API where the page is a secure context (https, localhost),
// otherwise select the text so the user can copy it by hand.
document.querySelectorAll<HTMLButtonElement>('button[data-copy]').forEach((button) => {
  button.addEventListener('click', async () => {
    const source = element(button.dataset.copy!);
    const text = source instanceof HTMLInputElement ? source.value : source.textContent ?? '';
    const status = element(button.closest('#new-key') ? 'copy-new-key-status' : 'copy-curl-status');
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = 'Copied to the clipboard.';
    } catch {
      if (source instanceof HTMLInputElement) source.select();
      else window.getSelection()?.selectAllChildren(source);
      status.textContent = 'Selected: press Ctrl+C (⌘C on a Mac) to copy.';
    }
  });
});

// A key already held by this tab (a reload) goes straight to the dashboard.
key = readStoredKey();
if (key === undefined) {
  showStart();
} else {
  showDashboard();
  void counterCall('current', api.current);
}
