// the letter channel's public surface: other modules import these, never its files
export { composeLetter, type Letter, type LetterFrame, letterText, parseBody } from './letter.js';
export { LetterPdf } from './pdf.js';
