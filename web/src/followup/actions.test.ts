import { describe, expect, it } from 'vitest';
import { addTarget, canResend, pageSelection, skippedReason, toggleOne, togglePage } from './actions';

describe('skippedReason', () => {
  it('splits the code from the words and makes a sentence', () => {
    expect(
      skippedReason({ reason: 'notRegistered: only persons in the CRM can be members', count: 2 }),
    ).toEqual({
      code: 'notRegistered',
      text: 'Only persons in the CRM can be members',
      count: 2,
    });
    expect(skippedReason({ reason: 'odd', count: 1 })).toEqual({ code: 'odd', text: 'odd', count: 1 });
  });
});

describe('row selection', () => {
  it('toggles one row and a whole page', () => {
    expect([...toggleOne(new Set([1]), 2)]).toEqual([1, 2]);
    expect([...toggleOne(new Set([1, 2]), 1)]).toEqual([2]);
    expect([...togglePage(new Set([9]), [1, 2])]).toEqual([9, 1, 2]);
    expect([...togglePage(new Set([9, 1, 2]), [1, 2])]).toEqual([9]);
    expect([...togglePage(new Set([1]), [1, 2])]).toEqual([1, 2]);
  });

  it('says whether the page is all, some or none selected', () => {
    expect(pageSelection(new Set([1, 2]), [1, 2])).toEqual({ checked: true, indeterminate: false });
    expect(pageSelection(new Set([1]), [1, 2])).toEqual({ checked: false, indeterminate: true });
    expect(pageSelection(new Set(), [])).toEqual({ checked: false, indeterminate: false });
  });
});

describe('canResend', () => {
  it('only once a round is over', () => {
    expect(canResend('finished')).toBe(true);
    expect(canResend('stopped')).toBe(true);
    expect(canResend('sending')).toBe(false);
    expect(canResend('draft')).toBe(false);
  });
});

describe('addTarget', () => {
  it('names the target, or what is missing', () => {
    expect(addTarget('newSelection', '  Clickers  ', null)).toEqual({
      target: { newSelectionName: 'Clickers' },
    });
    expect(addTarget('newSelection', ' ', null)).toEqual({ problem: 'Give the new selection a name' });
    expect(addTarget('selection', '', '7')).toEqual({ target: { selectionId: 7 } });
    expect(addTarget('project', '', '3')).toEqual({ target: { projectId: 3 } });
    expect(addTarget('project', '', null)).toEqual({ problem: 'Choose a project' });
    expect(addTarget('selection', '', 'x')).toEqual({ problem: 'Choose a selection' });
  });
});
