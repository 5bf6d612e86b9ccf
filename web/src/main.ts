import * as api from './api';
import { ApiError } from './api';
import { Check, checkApiKey, checkCounterValue, checkEmail, checkPassword, PASSWORD_HINT } from './rules';

/**
 * The page: sign up and see the key once, or bring a key; then drive the counter and copy
 * ready-made curl lines. It holds the key in sessionStorage (this tab only), never in
 * localStorage or a cookie, and talks to the service through its public API alone.
 */
const KEY_STORAGE = 'increment.apiKey';
const ACTIVITY_LIMIT = 20;

const element = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`The page has no #${id}`);
  return found as T;
};

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

// ---- field errors --------------------------------------------------------------------------

/** Shows (or clears) the message under a form's input or in its general slot, and marks the input. */
function showError(form: HTMLElement, field: string, message: string | undefined): void {
  const slot = form.querySelector<HTMLElement>(`[data-error-for="${field}"]`) ?? form.querySelector<HTMLElement>('[data-error-for="form"]');
  if (slot) slot.textContent = message ?? '';
  const input = form.querySelector<HTMLInputElement>(`input[name="${field}"]`);
  if (input) {
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}

function clearErrors(form: HTMLElement): void {
  form.querySelectorAll('[data-error-for]').forEach((slot) => (slot.textContent = ''));
  form.querySelectorAll('input[aria-invalid]').forEach((input) => input.removeAttribute('aria-invalid'));
}

/** Puts each API error next to the input it names; the others go to the form's general slot. */
function showApiErrors(form: HTMLElement, errors: readonly ApiError[]): void {
  const general: string[] = [];
  for (const error of errors) {
    const input = error.field && form.querySelector(`input[name="${error.field}"]`);
    if (input) showError(form, error.field!, error.detail);
    else general.push(error.detail);
  }
  if (general.length > 0) showError(form, 'form', general.join(' '));
  form.querySelector<HTMLInputElement>('input[aria-invalid="true"]')?.focus();
}

/**
 * Checks an input as the user leaves it, and again as they type once it has shown an error,
 * so a mistake is pointed out before submitting and the message goes as soon as it is fixed.
 */
function checkAsTyped(form: HTMLFormElement, name: string, check: Check): void {
  const input = form.querySelector<HTMLInputElement>(`input[name="${name}"]`)!;
  input.addEventListener('blur', () => {
    if (input.value !== '') showError(form, name, check(input.value));
  });
  input.addEventListener('input', () => {
    if (input.getAttribute('aria-invalid') === 'true') showError(form, name, check(input.value));
  });
}

/** Runs every check of a form; shows all problems and focuses the first. True when all pass. */
function checkAll(form: HTMLFormElement, checks: Record<string, Check>): boolean {
  clearErrors(form);
  let valid = true;
  for (const [name, check] of Object.entries(checks)) {
    const problem = check(form.querySelector<HTMLInputElement>(`input[name="${name}"]`)!.value);
    if (problem) {
      showError(form, name, problem);
      valid = false;
    }
  }
  if (!valid) form.querySelector<HTMLInputElement>('input[aria-invalid="true"]')?.focus();
  return valid;
}

/** Runs a form's submission once at a time: a second Enter while the first is in flight does nothing. */
function onSubmit(form: HTMLFormElement, submit: () => Promise<void>): void {
  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    form.setAttribute('aria-busy', 'true');
    try {
      await submit();
    } finally {
      busy = false;
      form.removeAttribute('aria-busy');
    }
  });
}

// ---- screens -------------------------------------------------------------------------------

function showStart(): void {
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
  view.newKeyValue.textContent = outcome.value.apiKey;
  element('copy-new-key-status').textContent = '';
  showDashboard();
  view.newKey.hidden = false;
  view.counterValue.value = '0'; // a new sequence starts at 0
  view.newKeyTitle.focus();
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
