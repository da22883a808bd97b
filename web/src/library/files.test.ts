import { describe, expect, it } from 'vitest';
import { absoluteUrl, exportFileName, fileSize } from './files';

describe('exportFileName', () => {
  it('names the file after the template in plain letters', () => {
    expect(exportFileName('Høstens nyhetsbrev – 2026!')).toBe(
      'hostens-nyhetsbrev-2026.posthorn-template.json',
    );
    expect(exportFileName('Café')).toBe('cafe.posthorn-template.json');
    expect(exportFileName('***')).toBe('template.posthorn-template.json');
  });
});

describe('fileSize', () => {
  it('picks a readable unit', () => {
    expect(fileSize(512)).toEqual({ value: 512, unit: 'bytes' });
    expect(fileSize(2048)).toEqual({ value: 2, unit: 'KB' });
    expect(fileSize(1536)).toEqual({ value: 1.5, unit: 'KB' });
    expect(fileSize(5 * 1024 * 1024)).toEqual({ value: 5, unit: 'MB' });
  });
});

describe('absoluteUrl', () => {
  it('puts a public path under the origin', () => {
    expect(absoluteUrl('/media/abc.png', 'https://mail.example')).toBe('https://mail.example/media/abc.png');
  });
});
