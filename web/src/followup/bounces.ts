import type { BlockedAction } from './api';

/** A bounced or complained recipient's kind, in words, with its badge colour (dark text: AA). */
export function bounceKind(status: string, reason: string | null): { label: string; color: string } {
  if (status === 'complained') return { label: 'Spam complaint', color: 'red' };
  if (reason === 'hardBounce') return { label: 'Hard bounce', color: 'red' };
  if (reason === 'softBounce') return { label: 'Soft bounce', color: 'orange' };
  return { label: 'Bounce', color: 'gray' };
}

/** The blocked-address actions, as the menu, the confirmation and the answer say them. */
export const blockedActionWords: Record<
  BlockedAction,
  {
    menu: string;
    title: string;
    body: (address: string) => string;
    confirm: string;
    done: (address: string, persons: number | null) => string;
  }
> = {
  clear: {
    menu: 'Clear the block',
    title: 'Clear the block of this address?',
    body: (a) => `${a} can receive mailings again. Do this only when you know the address works.`,
    confirm: 'Clear the block',
    done: (a) => `${a} is no longer blocked.`,
  },
  'former-employee': {
    menu: 'Mark as former employee',
    title: 'Mark as former employee?',
    body: (a) => `The persons with the address ${a} are marked as former employees of their company.`,
    confirm: 'Mark as former employee',
    done: (a, n) => `${n ?? 0} ${n === 1 ? 'person' : 'persons'} with ${a} marked as former employee.`,
  },
  'delete-address': {
    menu: 'Delete the address from the CRM',
    title: 'Delete this address from the CRM?',
    body: (a) => `${a} is removed from every person that has it. This cannot be undone.`,
    confirm: 'Delete the address',
    done: (a, n) => `${a} removed from ${n ?? 0} ${n === 1 ? 'person' : 'persons'}.`,
  },
};
