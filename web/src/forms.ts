import { ApiError } from './api';
import { Check } from './rules';

/** The page's form plumbing: errors next to their inputs, checks as typed, one submission at a time. */

export const element = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`The page has no #${id}`);
  return found as T;
};

/** Shows (or clears) the message under a form's input or in its general slot, and marks the input. */
export function showError(form: HTMLElement, field: string, message: string | undefined): void {
  const slot = form.querySelector<HTMLElement>(`[data-error-for="${field}"]`) ?? form.querySelector<HTMLElement>('[data-error-for="form"]');
  if (slot) slot.textContent = message ?? '';
  const input = form.querySelector<HTMLInputElement>(`input[name="${field}"]`);
  if (input) {
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}

export function clearErrors(form: HTMLElement): void {
  form.querySelectorAll('[data-error-for]').forEach((slot) => (slot.textContent = ''));
  form.querySelectorAll('input[aria-invalid]').forEach((input) => input.removeAttribute('aria-invalid'));
}

/** Puts each API error next to the input it names; the others go to the form's general slot. */
export function showApiErrors(form: HTMLElement, errors: readonly ApiError[]): void {
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
export function checkAsTyped(form: HTMLFormElement, name: string, check: Check): void {
  const input = form.querySelector<HTMLInputElement>(`input[name="${name}"]`)!;
  input.addEventListener('blur', () => {
    if (input.value !== '') showError(form, name, check(input.value));
  });
  input.addEventListener('input', () => {
    if (input.getAttribute('aria-invalid') === 'true') showError(form, name, check(input.value));
  });
}

/** Runs every check of a form; shows all problems and focuses the first. True when all pass. */
export function checkAll(form: HTMLFormElement, checks: Record<string, Check>): boolean {
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
export function onSubmit(form: HTMLFormElement, submit: () => Promise<void>): void {
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
