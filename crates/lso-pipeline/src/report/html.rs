//! A minimal HTML page builder: no scripts or styles from the network.

use crate::error::Result;
use std::fmt::Write;
use std::path::Path;

pub struct Page {
    title: String,
    body: String,
    figures: usize,
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Page {
    pub fn new(title: &str) -> Self {
        Self {
            title: title.into(),
            body: String::new(),
            figures: 0,
        }
    }

    /// Writes `png` to `dir/file` and shows it with a caption.
    pub fn figure(&mut self, dir: &Path, file: &str, png: &[u8], caption: &str) -> Result<()> {
        crate::rundir::write_atomic(&dir.join(file), png)?;
        let rel = format!(
            "{}/{}",
            dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            file
        );
        self.figures += 1;
        let _ = writeln!(
            self.body,
            "<figure><img src=\"{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>",
            escape(&rel),
            escape(caption),
            escape(caption)
        );
        Ok(())
    }

    /// Shows a figure already written beside the page.
    pub fn figure_inline(&mut self, file: &str, caption: &str) {
        self.figures += 1;
        let _ = writeln!(
            self.body,
            "<figure><img src=\"{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>",
            escape(file),
            escape(caption),
            escape(caption)
        );
    }

    pub fn table(&mut self, heading: &str, rows: &[Vec<String>]) {
        let _ = write!(self.body, "<h2>{}</h2>\n<table>\n", escape(heading));
        for (i, row) in rows.iter().enumerate() {
            let tag = if i == 0 { "th" } else { "td" };
            self.body.push_str("<tr>");
            for cell in row {
                let _ = write!(self.body, "<{tag}>{}</{tag}>", escape(cell));
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</table>\n");
    }

    pub fn note(&mut self, text: &str) {
        let _ = writeln!(self.body, "<p>{}</p>", escape(text));
    }

    pub fn pre(&mut self, heading: &str, text: &str) {
        let _ = writeln!(
            self.body,
            "<details><summary>{}</summary><pre>{}</pre></details>",
            escape(heading),
            escape(text)
        );
    }

    pub fn render(&self) -> String {
        // The load handler records how many figures decoded, so a reader (or a headless
        // browser test) can tell a broken image from a missing one.
        format!(
            r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; max-width: 1400px; margin: 1.5em auto; padding: 0 1em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #bbb; padding: 0.3em 0.8em; text-align: right; }}
th {{ background: #eee; }}
figure {{ display: inline-block; margin: 0.5em; vertical-align: top; }}
figure img {{ max-width: 100%; border: 1px solid #ddd; }}
figcaption {{ font-size: 0.9em; color: #555; max-width: 640px; }}
#figure-status.bad {{ color: #b00; font-weight: bold; }}
</style></head>
<body data-figures-expected="{n}">
<h1>{title}</h1>
<p id="figure-status"></p>
{body}
<script>
window.addEventListener('load', function () {{
  var imgs = document.querySelectorAll('figure img'), ok = 0;
  imgs.forEach(function (i) {{ if (i.complete && i.naturalWidth > 0) ok++; }});
  document.body.setAttribute('data-figures-rendered', ok + '/' + imgs.length);
  if (ok < imgs.length) {{
    var s = document.getElementById('figure-status');
    s.textContent = (imgs.length - ok) + ' of ' + imgs.length + ' figures failed to load.';
    s.className = 'bad';
  }}
}});
</script>
</body></html>
"#,
            title = escape(&self.title),
            n = self.figures,
            body = self.body
        )
    }
}
