//! A small page-layout engine over printpdf's drawing operations: A4 pages with margins, an
//! embedded font (DejaVu Sans, measured glyph by glyph), headings that become bookmarks,
//! wrapped paragraphs, and tables whose header repeats on every page and whose rows never split.
//! Headers and footers ("page X of Y") are drawn when the document is finished, once the page
//! count is known.
//!
//! The drawing operations were chosen over printpdf's HTML mode because the HTML engine leaves
//! pages half filled and does not repeat table headers; exact measurement gives full pages.
//! printpdf's `text_layout` feature is on only for font subsetting: a report embeds just the
//! glyphs it uses (about 60 KiB for a 40-server plan instead of 750 KiB with whole fonts).

use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem,
};

const REGULAR_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// A4 width in points.
pub const PAGE_W: f32 = 595.28;
/// A4 height in points.
pub const PAGE_H: f32 = 841.89;
/// Page margin in points.
pub const MARGIN: f32 = 48.0;
const TOP: f32 = MARGIN + 22.0; // below the running header
const BOTTOM: f32 = MARGIN + 20.0; // above the footer

/// Why a document could not be made.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// The embedded font could not be read.
    #[error("the embedded font could not be read: {0}")]
    Font(String),
}

/// A font with its metrics.
struct Face {
    id: FontId,
    parsed: ParsedFont,
}

impl Face {
    fn load(doc: &mut PdfDocument, bytes: &[u8]) -> Result<Self, LayoutError> {
        let parsed = ParsedFont::from_bytes(bytes, 0, &mut Vec::new())
            .ok_or_else(|| LayoutError::Font("DejaVu Sans".into()))?;
        let id = doc.add_font(&parsed);
        Ok(Self { id, parsed })
    }

    /// Characters the font lacks become the replacement character (or `?`).
    fn clean(&self, s: &str) -> String {
        s.chars()
            .map(|c| {
                if c == '\n' || c == '\t' {
                    ' '
                } else if self.parsed.lookup_glyph_index(c as u32).is_some() {
                    c
                } else if self.parsed.lookup_glyph_index(0xFFFD).is_some() {
                    '\u{FFFD}'
                } else {
                    '?'
                }
            })
            .collect()
    }

    /// Width of `s` at `size` points.
    fn width(&self, s: &str, size: f32) -> f32 {
        let upem = f32::from(self.parsed.pdf_font_metrics.units_per_em.max(1));
        let units: u32 = s
            .chars()
            .map(|c| {
                self.parsed
                    .lookup_glyph_index(c as u32)
                    .map_or(600, |g| u32::from(self.parsed.get_horizontal_advance(g)))
            })
            .sum();
        units as f32 * size / upem
    }
}

/// Regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// Regular.
    Regular,
    /// Bold.
    Bold,
}

/// An RGB colour (0–1).
pub type Rgb3 = (f32, f32, f32);

/// Text colour.
pub const INK: Rgb3 = (0.09, 0.12, 0.16);
/// Secondary text.
pub const GREY: Rgb3 = (0.37, 0.42, 0.48);
/// Errors and blockers.
pub const RED: Rgb3 = (0.72, 0.07, 0.07);
/// Warnings.
pub const AMBER: Rgb3 = (0.55, 0.40, 0.02);
/// Good.
pub const GREEN: Rgb3 = (0.01, 0.45, 0.05);

fn color((r, g, b): Rgb3) -> Color {
    Color::Rgb(Rgb {
        r,
        g,
        b,
        icc_profile: None,
    })
}

/// A timeline row: its label, its span (start and end in seconds from 0, none when it has not
/// started) and its colour.
pub type TimelineRow = (String, Option<(f32, f32)>, Rgb3);

/// A table column: header and width in points.
pub struct Column {
    /// Header text.
    pub header: String,
    /// Width in points.
    pub width: f32,
}

/// A table row: its cells, and a colour for the whole row (blockers in red).
pub struct Row {
    /// Cell texts.
    pub cells: Vec<String>,
    /// Text colour.
    pub ink: Rgb3,
    /// Background shade (blockers are highlighted).
    pub shade: Option<Rgb3>,
}

impl Row {
    /// A row in one colour on a white background.
    pub fn new(cells: Vec<String>, ink: Rgb3) -> Self {
        Self {
            cells,
            ink,
            shade: None,
        }
    }

    /// The same row on a shaded background.
    pub fn shaded(mut self, shade: Rgb3) -> Self {
        self.shade = Some(shade);
        self
    }
}

/// The background of a blocker's row.
pub const RED_SHADE: Rgb3 = (0.99, 0.92, 0.92);

/// A document being laid out.
pub struct Doc {
    pdf: PdfDocument,
    regular: Face,
    bold: Face,
    pages: Vec<Vec<Op>>,
    /// Distance from the top of the page to the next line, in points.
    y: f32,
    header: String,
}

impl Doc {
    /// A new document; `header` runs at the top of every page.
    pub fn new(title: &str, header: &str) -> Result<Self, LayoutError> {
        let mut pdf = PdfDocument::new(title);
        let regular = Face::load(&mut pdf, REGULAR_TTF)?;
        let bold = Face::load(&mut pdf, BOLD_TTF)?;
        let mut d = Self {
            pdf,
            regular,
            bold,
            pages: Vec::new(),
            y: TOP,
            header: header.to_string(),
        };
        d.new_page();
        Ok(d)
    }

    fn face(&self, w: Weight) -> &Face {
        match w {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    /// The current page number (1-based).
    pub fn page(&self) -> usize {
        self.pages.len()
    }

    /// Starts a new page.
    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Room left on this page, in points.
    pub fn room(&self) -> f32 {
        PAGE_H - BOTTOM - self.y
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Draws `text` with its baseline `baseline` points from the top, at `x` points from the left.
    fn text_at(&mut self, x: f32, baseline: f32, text: &str, size: f32, weight: Weight, ink: Rgb3) {
        let clean = self.face(weight).clean(text);
        let font = self.face(weight).id.clone();
        self.ops().extend([
            Op::StartTextSection,
            Op::SetFillColor { col: color(ink) },
            Op::SetFont {
                font: PdfFontHandle::External(font),
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: Point {
                    x: Pt(x),
                    y: Pt(PAGE_H - baseline),
                },
            },
            Op::ShowText {
                items: vec![TextItem::Text(clean)],
            },
            Op::EndTextSection,
        ]);
    }

    fn rect(&mut self, x: f32, top: f32, w: f32, h: f32, fill: Rgb3) {
        self.ops().extend([
            Op::SetFillColor { col: color(fill) },
            Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(x),
                    y: Pt(PAGE_H - top - h),
                    width: Pt(w),
                    height: Pt(h),
                    mode: Some(PaintMode::Fill),
                    winding_order: None,
                },
            },
        ]);
    }

    fn hline(&mut self, x1: f32, x2: f32, at: f32, ink: Rgb3, thickness: f32) {
        self.line((x1, at), (x2, at), ink, thickness);
    }

    /// `text` cut to `max` points wide, with an ellipsis when cut.
    pub fn fit(&self, text: &str, size: f32, weight: Weight, max: f32) -> String {
        let face = self.face(weight);
        let text = face.clean(text);
        if face.width(&text, size) <= max {
            return text;
        }
        let mut out = String::new();
        for c in text.chars() {
            let candidate = format!("{out}{c}…");
            if face.width(&candidate, size) > max {
                break;
            }
            out.push(c);
        }
        format!("{out}…")
    }

    /// `text` broken into lines of at most `max` points (long words are cut with an ellipsis).
    pub fn wrap(&self, text: &str, size: f32, weight: Weight, max: f32) -> Vec<String> {
        let face = self.face(weight);
        let text = face.clean(text);
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if face.width(&candidate, size) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if face.width(word, size) > max {
                lines.push(self.fit(word, size, weight, max));
            } else {
                line = word.to_string();
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// Moves down; starts a new page when `needed` points do not fit.
    pub fn ensure(&mut self, needed: f32) {
        if self.room() < needed {
            self.new_page();
        }
    }

    /// A heading: levels 1 and 2 are also bookmarks, level 3 is a caption kept with at least
    /// a few lines of what follows.
    pub fn heading(&mut self, text: &str, level: u8) {
        let size = match level {
            0 | 1 => 18.0,
            2 => 13.0,
            _ => 10.5,
        };
        // A heading keeps what follows it on its page: a sub-heading and the first rows.
        self.ensure(
            size * 3.5
                + match level {
                    0 | 1 => 130.0,
                    2 => 90.0,
                    _ => 50.0,
                },
        );
        self.y += match level {
            0 | 1 => 10.0,
            2 => 6.0,
            _ => 4.0,
        };
        self.y += size;
        let y = self.y;
        let fitted = self.fit(text, size, Weight::Bold, PAGE_W - 2.0 * MARGIN);
        self.text_at(MARGIN, y, &fitted, size, Weight::Bold, INK);
        self.y += size * 0.6;
        if level <= 2 {
            let page = self.page();
            self.pdf.add_bookmark(&fitted, page);
        }
    }

    /// Label/value lines, the labels in a column of `label_w` points.
    pub fn facts(&mut self, items: &[(&str, String)], label_w: f32) {
        let size = 9.5;
        for (label, value) in items {
            let lines = self.wrap(
                value,
                size,
                Weight::Regular,
                PAGE_W - 2.0 * MARGIN - label_w,
            );
            self.ensure(size * 1.45 * lines.len() as f32);
            for (i, l) in lines.iter().enumerate() {
                self.y += size * 1.45;
                let y = self.y;
                if i == 0 {
                    self.text_at(MARGIN, y, label, size, Weight::Bold, GREY);
                }
                self.text_at(MARGIN + label_w, y, l, size, Weight::Regular, INK);
            }
        }
        self.y += size * 0.6;
    }

    /// A wrapped paragraph.
    pub fn paragraph(&mut self, text: &str, size: f32, weight: Weight, ink: Rgb3) {
        let lines = self.wrap(text, size, weight, PAGE_W - 2.0 * MARGIN);
        for l in lines {
            self.ensure(size * 1.4);
            self.y += size * 1.35;
            let y = self.y;
            self.text_at(MARGIN, y, &l, size, weight, ink);
        }
        self.y += size * 0.5;
    }

    /// Large figures in a row: (label, value, colour).
    pub fn figures(&mut self, items: &[(&str, String, Rgb3)]) {
        self.ensure(56.0);
        let w = (PAGE_W - 2.0 * MARGIN) / items.len().max(1) as f32;
        let top = self.y + 6.0;
        for (i, (label, value, ink)) in items.iter().enumerate() {
            let x = MARGIN + i as f32 * w;
            self.text_at(x, top + 10.0, label, 8.5, Weight::Regular, GREY);
            // The largest size that fits the column.
            let mut size = 22.0;
            while size > 10.0 && self.bold.width(value, size) > w - 12.0 {
                size -= 1.0;
            }
            self.text_at(x, top + 36.0, value, size, Weight::Bold, *ink);
        }
        self.y = top + 48.0;
    }

    /// A horizontal bar chart: (label, parts as (value, colour)), scaled to the largest total.
    pub fn bars(&mut self, rows: &[(String, Vec<(f32, Rgb3)>)], legend: &[(&str, Rgb3)]) {
        let max = rows
            .iter()
            .map(|(_, parts)| parts.iter().map(|p| p.0).sum::<f32>())
            .fold(1.0_f32, f32::max);
        let label_w = 140.0;
        let bar_w = PAGE_W - 2.0 * MARGIN - label_w - 40.0;
        // A short chart stays on one page with its legend.
        self.ensure((rows.len() as f32 * 18.0 + 30.0).min(300.0));
        for (label, parts) in rows {
            self.ensure(18.0);
            let top = self.y + 4.0;
            let fitted = self.fit(label, 8.5, Weight::Regular, label_w - 6.0);
            self.text_at(MARGIN, top + 9.0, &fitted, 8.5, Weight::Regular, INK);
            let mut x = MARGIN + label_w;
            let total: f32 = parts.iter().map(|p| p.0).sum();
            for (v, c) in parts {
                let w = bar_w * v / max;
                if w > 0.0 {
                    self.rect(x, top, w, 11.0, *c);
                }
                x += w;
            }
            self.text_at(
                x + 4.0,
                top + 9.0,
                &format!("{total:.0}"),
                8.0,
                Weight::Regular,
                GREY,
            );
            self.y = top + 14.0;
        }
        if !legend.is_empty() {
            self.ensure(16.0);
            let top = self.y + 4.0;
            let mut x = MARGIN + label_w;
            for (name, c) in legend {
                self.rect(x, top + 2.0, 8.0, 8.0, *c);
                self.text_at(x + 11.0, top + 9.0, name, 8.0, Weight::Regular, GREY);
                x += 14.0 + self.regular.width(name, 8.0) + 14.0;
            }
            self.y = top + 16.0;
        }
        self.y += 6.0;
    }

    fn line(&mut self, (x1, y1): (f32, f32), (x2, y2): (f32, f32), ink: Rgb3, thickness: f32) {
        let p = |x: f32, y: f32| LinePoint {
            p: Point {
                x: Pt(x),
                y: Pt(PAGE_H - y),
            },
            bezier: false,
        };
        self.ops().extend([
            Op::SetOutlineColor { col: color(ink) },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points: vec![p(x1, y1), p(x2, y2)],
                    is_closed: false,
                },
            },
        ]);
    }

    /// A timeline (Gantt) chart: one bar per row from its start to its end (seconds from 0),
    /// an axis labelled by `label`, and an optional marker line (the RTO target). Rows that do
    /// not fit continue on the next page with the axis repeated.
    pub fn timeline(
        &mut self,
        rows: &[TimelineRow],
        marker: Option<(f32, &str)>,
        label: &dyn Fn(f32) -> String,
    ) {
        let label_w = 140.0;
        let x0 = MARGIN + label_w;
        let width = PAGE_W - 2.0 * MARGIN - label_w - 10.0;
        let last = rows
            .iter()
            .filter_map(|r| r.1.map(|(_, e)| e))
            .chain(marker.map(|m| m.0))
            .fold(1.0_f32, f32::max);
        // Ticks at a round step (seconds): at most six of them.
        let step = [
            10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0,
        ]
        .into_iter()
        .find(|s| last / s <= 6.0)
        .unwrap_or_else(|| (last / 6.0).ceil());
        let ticks = (last / step).ceil().max(1.0) as usize;
        let end = step * ticks as f32;
        let at = |v: f32| x0 + width * (v / end).clamp(0.0, 1.0);
        let row_h = 14.0;
        let mut chunk_top = self.y;
        let mut drawn_in_chunk = 0usize;
        let close = |d: &mut Doc, top: f32, rows_drawn: usize| {
            let bottom = top + rows_drawn as f32 * row_h + 4.0;
            d.line((x0, bottom), (x0 + width, bottom), GREY, 0.5);
            for i in 0..=ticks {
                let v = step * i as f32;
                let x = at(v);
                d.line((x, bottom), (x, bottom + 3.0), GREY, 0.5);
                let t = label(v);
                let w = d.regular.width(&t, 7.0);
                d.text_at(
                    (x - w / 2.0).min(PAGE_W - MARGIN - w),
                    bottom + 11.0,
                    &t,
                    7.0,
                    Weight::Regular,
                    GREY,
                );
            }
            if let Some((m, name)) = marker {
                let x = at(m);
                d.line((x, top), (x, bottom), RED, 1.0);
                let w = d.regular.width(name, 7.0);
                d.text_at(
                    (x - w / 2.0).min(PAGE_W - MARGIN - w),
                    top - 2.0,
                    name,
                    7.0,
                    Weight::Bold,
                    RED,
                );
            }
            d.y = bottom + 18.0;
        };
        self.ensure(row_h * 2.0 + 40.0);
        self.y += 10.0;
        chunk_top = chunk_top.max(self.y);
        for (name, span, c) in rows {
            if self.room() < row_h + 26.0 {
                close(self, chunk_top, drawn_in_chunk);
                self.new_page();
                self.y += 10.0;
                chunk_top = self.y;
                drawn_in_chunk = 0;
            }
            let top = chunk_top + drawn_in_chunk as f32 * row_h;
            let fitted = self.fit(name, 8.0, Weight::Regular, label_w - 6.0);
            self.text_at(MARGIN, top + 10.0, &fitted, 8.0, Weight::Regular, INK);
            if let Some((a, b)) = span {
                let (xa, xb) = (at(*a), at(*b));
                self.rect(xa, top + 2.0, (xb - xa).max(1.5), row_h - 4.0, *c);
            }
            drawn_in_chunk += 1;
            self.y = top + row_h;
        }
        close(self, chunk_top, drawn_in_chunk);
    }

    fn table_header(&mut self, columns: &[Column], size: f32) {
        let top = self.y;
        let h = size * 2.0;
        self.rect(
            MARGIN,
            top,
            columns.iter().map(|c| c.width).sum(),
            h,
            (0.92, 0.93, 0.95),
        );
        let mut x = MARGIN;
        for c in columns {
            let t = self.fit(&c.header, size, Weight::Bold, c.width - 6.0);
            self.text_at(x + 3.0, top + size * 1.4, &t, size, Weight::Bold, INK);
            x += c.width;
        }
        self.y = top + h;
    }

    /// A table: the header repeats on every page, rows are never split across pages.
    pub fn table(&mut self, columns: &[Column], rows: &[Row]) {
        let size = 7.8;
        let line_h = size * 1.3;
        self.ensure(size * 2.0 + line_h * 2.0 + 6.0);
        self.y += 4.0;
        self.table_header(columns, size);
        let total_w: f32 = columns.iter().map(|c| c.width).sum();
        for row in rows {
            let cells: Vec<Vec<String>> = columns
                .iter()
                .zip(row.cells.iter().chain(std::iter::repeat(&String::new())))
                .map(|(c, text)| {
                    let mut lines = self.wrap(text, size, Weight::Regular, c.width - 6.0);
                    lines.truncate(6); // a cell never grows past six lines
                    lines
                })
                .collect();
            let n = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let h = n as f32 * line_h + 4.0;
            if self.room() < h {
                self.new_page();
                self.table_header(columns, size);
            }
            let top = self.y;
            if let Some(shade) = row.shade {
                self.rect(MARGIN, top, total_w, h, shade);
            }
            let mut x = MARGIN;
            for (c, lines) in columns.iter().zip(&cells) {
                for (i, l) in lines.iter().enumerate() {
                    self.text_at(
                        x + 3.0,
                        top + 2.0 + line_h * (i as f32 + 0.8),
                        l,
                        size,
                        Weight::Regular,
                        row.ink,
                    );
                }
                x += c.width;
            }
            self.y = top + h;
            self.hline(MARGIN, MARGIN + total_w, self.y, (0.85, 0.86, 0.88), 0.4);
        }
        self.y += 8.0;
    }

    /// Vertical space.
    pub fn space(&mut self, points: f32) {
        self.y += points;
    }

    /// Finishes the document: running header, "page X of Y" footers, metadata; the PDF bytes.
    pub fn finish(
        mut self,
        author: &str,
        subject: &str,
        footer: &str,
        created: time::OffsetDateTime,
    ) -> Vec<u8> {
        let total = self.pages.len();
        let header = self.header.clone();
        let pages = std::mem::take(&mut self.pages);
        let mut finished = Vec::with_capacity(total);
        for (i, ops) in pages.into_iter().enumerate() {
            self.pages = vec![ops];
            let h = self.fit(&header, 7.5, Weight::Regular, PAGE_W - 2.0 * MARGIN);
            self.text_at(MARGIN, MARGIN, &h, 7.5, Weight::Regular, GREY);
            self.hline(
                MARGIN,
                PAGE_W - MARGIN,
                MARGIN + 5.0,
                (0.8, 0.82, 0.85),
                0.5,
            );
            let f = self.fit(footer, 7.5, Weight::Regular, PAGE_W - 2.0 * MARGIN - 80.0);
            self.text_at(
                MARGIN,
                PAGE_H - MARGIN + 4.0,
                &f,
                7.5,
                Weight::Regular,
                GREY,
            );
            let label = format!("page {} of {total}", i + 1);
            let w = self.regular.width(&label, 7.5);
            self.text_at(
                PAGE_W - MARGIN - w,
                PAGE_H - MARGIN + 4.0,
                &label,
                7.5,
                Weight::Regular,
                GREY,
            );
            let ops = self.pages.pop().unwrap_or_default();
            finished.push(PdfPage::new(Mm(210.0), Mm(297.0), ops));
        }
        let stamp = printpdf::OffsetDateTime::from_unix_timestamp(created.unix_timestamp())
            .unwrap_or_else(|_| printpdf::OffsetDateTime::now_utc());
        let info = &mut self.pdf.metadata.info;
        info.author = author.to_string();
        info.creator = "DRS Orchestrator".into();
        info.producer = "DRS Orchestrator (printpdf)".into();
        info.subject = subject.to_string();
        info.creation_date = stamp;
        info.modification_date = stamp;
        info.metadata_date = stamp;
        self.pdf.pages = finished;
        self.pdf.save(&PdfSaveOptions::default(), &mut Vec::new())
    }
}
