import type { Step, StepError, StepName } from '../../api/types';

export const stepOrder: StepName[] = ['setup', 'template', 'content', 'recipients', 'confirm'];

export const stepLabels: Record<StepName, string> = {
  setup: 'Setup',
  template: 'Template',
  content: 'Content',
  recipients: 'Recipients',
  confirm: 'Confirm',
};

export type StepState = 'complete' | 'incomplete' | 'unknown';

export interface StepView {
  name: StepName;
  label: string;
  state: StepState;
  errors: StepError[];
}

/** The wizard's tabs in order, each with its state and errors (unknown while the steps load). */
export function stepViews(steps: readonly Step[] | undefined): StepView[] {
  return stepOrder.map((name) => {
    const step = steps?.find((s) => s.step === name);
    return {
      name,
      label: stepLabels[name],
      state: step ? (step.complete ? 'complete' : 'incomplete') : 'unknown',
      errors: step?.errors ?? [],
    };
  });
}

/** Whether every step before Confirm is complete (Send and Schedule need it). */
export function readyToSend(steps: readonly Step[] | undefined): boolean {
  if (!steps) return false;
  return stepOrder.every((name) => steps.find((s) => s.step === name)?.complete === true);
}

/** The step errors about one field (`setup.subject`), to show next to its control. */
export function errorsFor(steps: readonly Step[] | undefined, field: string): string | undefined {
  const messages = (steps ?? [])
    .filter((s) => s.step !== 'confirm')
    .flatMap((s) => s.errors)
    .filter((e) => e.field === field)
    .map((e) => sentence(e.message));
  return messages.length ? [...new Set(messages)].join(' ') : undefined;
}

export function sentence(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}

/** The step a confirm error names (`field: "setup"`), if it is one. */
export function stepOfField(field: string): StepName | null {
  const head = field.split('.')[0] as StepName;
  return stepOrder.includes(head) ? head : null;
}
