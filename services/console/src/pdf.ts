/**
 * The apology letter as a PDF (pdfkit), set in DejaVu Serif from the `dejavu-fonts-ttf` package:
 * a font with every Vietnamese letter, shipped by the registry rather than taken from the machine.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import PDFDocument from "pdfkit";
import type { ApologyLetter } from "./apology.js";

const fonts = join(dirname(createRequire(import.meta.url).resolve("dejavu-fonts-ttf/package.json")), "ttf");
const REGULAR = join(fonts, "DejaVuSerif.ttf");
const BOLD = join(fonts, "DejaVuSerif-Bold.ttf");
const ITALIC = join(fonts, "DejaVuSerif-Italic.ttf");

export function renderApologyPdf(letter: ApologyLetter): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: "A4", margins: { top: 56, bottom: 56, left: 70, right: 56 }, info: { Title: letter.title, Subject: letter.form } });
    const chunks: Buffer[] = [];
    doc.on("data", (chunk: Buffer) => chunks.push(chunk));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
    doc.registerFont("regular", REGULAR).registerFont("bold", BOLD).registerFont("italic", ITALIC);
    const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
    const left = doc.page.margins.left;
    const half = width * 0.42;
    const top = doc.y;
    doc.font("italic").fontSize(9).text(letter.form, left, top, { width, align: "right" });
    const headerTop = doc.y + 6;
    doc.font("regular").fontSize(10).text(letter.header.parent, left, headerTop, { width: half, align: "center" });
    doc.font("bold").text(letter.header.agency, { width: half, align: "center" });
    doc.font("regular").text(letter.header.number, { width: half, align: "center" });
    const leftBottom = doc.y;
    doc
      .font("bold")
      .fontSize(10)
      .text(letter.header.motto, left + half, headerTop, { width: width - half, align: "center" });
    doc.text(letter.header.slogan, { width: width - half, align: "center", underline: true });
    doc.font("italic").text(letter.header.placeAndDate, { width: width - half, align: "center" });
    doc.y = Math.max(leftBottom, doc.y) + 24;
    doc.font("bold").fontSize(13).text(letter.title, left, doc.y, { width, align: "center" });
    doc.moveDown(1);
    doc.font("regular").fontSize(12).text(letter.addressee, { width, align: "center" });
    doc.moveDown(0.8);
    for (const paragraph of letter.paragraphs) {
      doc.text(paragraph, left, doc.y, { width, align: "justify", indent: 28, lineGap: 2 });
      doc.moveDown(0.5);
    }
    doc.text(letter.closing, { width, indent: 28 });
    doc.moveDown(1.5);
    const signTop = doc.y;
    doc.font("bold").fontSize(10).text(letter.recipients[0]!, left, signTop, { width: half });
    doc.font("regular").fontSize(9);
    for (const line of letter.recipients.slice(1)) doc.text(line, { width: half });
    doc
      .font("bold")
      .fontSize(11)
      .text(letter.signature.role, left + half, signTop, { width: width - half, align: "center" });
    doc
      .font("italic")
      .fontSize(10)
      .text(letter.signature.note, { width: width - half, align: "center" });
    doc.end();
  });
}
