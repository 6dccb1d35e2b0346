import { PDFDocument, StandardFonts } from 'pdf-lib';

const A4 = [595.28, 841.89] as const;
const MARGIN = 56;
const SIZE = 10;
const LEADING = 13;
const WIDTH = 92;

/** Wraps a paragraph at word boundaries to lines of at most `width` characters. */
function wrap(paragraph: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of paragraph.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines;
}

/**
 * A letter as a real PDF (A4, Helvetica), as a trust's document store serves its discharge summaries.
 * Deterministic: no creation or modification date, so the same letter is the same bytes every time.
 */
export async function letterPdf(title: string, text: string): Promise<Uint8Array> {
  const pdf = await PDFDocument.create({ updateMetadata: false });
  pdf.setTitle(title);
  pdf.setProducer('HIE Broker simulated acute trust');
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  // Helvetica's WinAnsi encoding has no glyph for some characters a letter may hold.
  const printable = (s: string): string => s.replace(/[^\x20-\x7E\xA0-\xFF]/g, '-');
  const lines = text.split('\n').flatMap((p) => (p.trim() ? wrap(printable(p), WIDTH) : ['']));
  let page = pdf.addPage([...A4]);
  let y = A4[1] - MARGIN;
  page.drawText(printable(title), { x: MARGIN, y, size: 13, font: bold });
  y -= LEADING * 2;
  for (const line of lines) {
    if (y < MARGIN) {
      page = pdf.addPage([...A4]);
      y = A4[1] - MARGIN;
    }
    page.drawText(line, { x: MARGIN, y, size: SIZE, font });
    y -= LEADING;
  }
  return pdf.save({ useObjectStreams: false });
}
