import { describe, expect, it } from 'vitest';
import { blankMjml, createBody, patchBody, templateProblems, valuesOf } from './templateForm';
import type { LibraryTemplate } from './types';

const template: LibraryTemplate = {
  id: 7,
  name: 'Invitation',
  channel: 'email',
  folderId: null,
  description: null,
  setup: { subject: 'You are invited', preheader: '' },
  content: { format: 'html', source: '<p>Hi</p>' },
  starter: false,
  createdAt: 1,
  updatedAt: 2,
};

describe('valuesOf', () => {
  it('reads a template', () => {
    const v = valuesOf(template, 'email');
    expect(v).toMatchObject({
      name: 'Invitation',
      description: '',
      subject: 'You are invited',
      format: 'html',
    });
    expect(v.source).toBe('<p>Hi</p>');
  });

  it('puts a new template in the folder shown, and keeps a template’s own folder', () => {
    expect(valuesOf(null, 'sms', 4).folderId).toBe(4);
    expect(valuesOf({ ...template, folderId: 9 }, 'email', 4).folderId).toBe(9);
    expect(valuesOf(template, 'email', 4).folderId).toBeNull();
  });

  it('starts a new e-mail template with MJML that renders, other channels empty', () => {
    expect(valuesOf(null, 'email')).toMatchObject({ format: 'mjml', source: blankMjml });
    expect(valuesOf(null, 'sms').source).toBe('');
  });
});

describe('createBody and patchBody', () => {
  it('sends only the channel’s setup fields that are filled in', () => {
    const v = { ...valuesOf(null, 'email'), name: ' News ', subject: 'Hello' };
    expect(createBody('email', v)).toEqual({
      name: 'News',
      channel: 'email',
      description: null,
      folderId: null,
      setup: { subject: 'Hello' },
      content: { format: 'mjml', source: blankMjml },
    });
  });

  it('removes an emptied setup field in a change (null in the merge patch)', () => {
    const v = { ...valuesOf(template, 'email'), subject: ' ' };
    expect(patchBody('email', v).setup).toEqual({ subject: null, preheader: null });
  });

  it('uses the SMS and document parts', () => {
    const sms = {
      ...valuesOf(null, 'sms'),
      name: 'A',
      sender: ' Posthorn ',
      text: 'Hi [[customer.firstname]]',
    };
    expect(createBody('sms', sms)).toMatchObject({
      setup: { sender: 'Posthorn' },
      content: { text: 'Hi [[customer.firstname]]' },
    });
    const doc = { ...valuesOf(null, 'document'), name: 'L', body: 'Dear …' };
    expect(createBody('document', doc)).toMatchObject({ setup: {}, content: { body: 'Dear …' } });
  });
});

describe('templateProblems', () => {
  it('asks for a name', () => {
    expect(templateProblems(valuesOf(null, 'email'))).toEqual({ name: 'Give the template a name' });
    expect(templateProblems({ ...valuesOf(null, 'email'), name: 'x' })).toEqual({});
  });
});
