import { describe, expect, it } from 'vitest';
import { describeActions } from './linkActions';

describe('describeActions', () => {
  it('says what a click does', () => {
    expect(describeActions([{ type: 'redirect' }])).toBe('Opens the URL');
    expect(describeActions([{ type: 'redirect' }, { type: 'setInterest', interest: 'sailing' }])).toBe(
      'Opens the URL · Sets an interest',
    );
    expect(describeActions([])).toBe('Opens the URL');
  });
});
