// LabellingSheet: the files people label adversarial pairs in (`robust audit export`) — labels.csv and a
// self-contained labels.html — and what both share: the columns, the pair fingerprint, and the guard that
// keeps spreadsheets from running texts as formulas. The reader of filled sheets is Workflows'
// `LabelsFile` (it needs Datasets' CSV parser); the two must agree on everything defined here.
//
// Labelling is blind: a sheet shows each pair (changes marked), its gold label and the two questions,
// never the model's predictions or an audit's verdicts.
//
// labels.csv: UTF-8 with a byte order mark (so spreadsheets read it as UTF-8), CRLF line ends, every
// field quoted (RFC 4180: `"` doubled; newlines kept inside quotes), one row per pair in sheet order,
// columns `LabellingSheet.columns`. Text fields (`guardedColumns`) that start with = + - @ tab CR or '
// get a leading ' (OWASP's defence against CSV formula injection); the reader removes exactly that one,
// so the texts round-trip byte for byte.
//
// labels.html: one page, no network: CSS and JavaScript inline, a Content-Security-Policy that allows
// no source but the page's own script (by its SHA-256) and inline styles. Every text from the store is
// HTML-escaped (`HTMLReport.escape`), format and control characters (RTL overrides, zero-width
// characters) are shown as visible "U+XXXX" marks instead of acting on the page, and the data the script
// needs sits in a JSON block with < > & escaped, so no text can close it. The script saves answers in
// the browser's local storage while the person works and downloads them as a CSV in exactly the
// labels.csv format, answers filled.
import Basics
import Foundation

/// One adversarial pair on a labelling sheet.
public struct LabellingPair: Sendable, Equatable {
    public var run: Int64
    public var recipe: String
    public var exampleIndex: Int
    public var gold: String
    public var original: String
    public var adversarial: String

    public init(run: Int64, recipe: String, exampleIndex: Int, gold: String, original: String, adversarial: String) {
        self.run = run
        self.recipe = recipe
        self.exampleIndex = exampleIndex
        self.gold = gold
        self.original = original
        self.adversarial = adversarial
    }

    public var fingerprint: String { LabellingSheet.fingerprint(original: original, adversarial: adversarial) }
}

public enum LabellingSheet {
    /// The sheet's columns, in order: the pair's number on the sheet, its identity, the texts, the
    /// changes marked as `[[old→new]]`, then the answers.
    public static let columns = ["pair", "run", "recipe", "example_index", "fingerprint", "gold", "original", "adversarial",
                                 "changes", "same_label", "natural", "note", "annotator"]
    /// The columns a filled sheet must have to be imported (the others are optional).
    public static let requiredColumns = ["run", "recipe", "example_index", "fingerprint", "original", "adversarial",
                                         "same_label", "natural"]
    /// Free-text columns: guarded against formula injection on writing, unguarded on reading.
    public static let guardedColumns: Set<String> = ["recipe", "gold", "original", "adversarial", "changes", "note", "annotator"]

    /// The pair's fingerprint: the first 16 hex digits of SHA-256 over a version tag, the original's
    /// UTF-8 length, the original and the adversarial text (the length keeps "ab"+"c" apart from
    /// "a"+"bc"). Import compares it with the stored texts' fingerprint, so a sheet of an example whose
    /// texts changed since, or a sheet whose texts were edited, is refused.
    public static func fingerprint(original: String, adversarial: String) -> String {
        var hash = SHA256()
        hash.update("robust-labelling-sheet-v1\n\(original.utf8.count)\n")
        hash.update(original)
        hash.update(adversarial)
        return String(hash.finalizeHex().prefix(16))
    }

    // MARK: - CSV

    /// labels.csv: a header and one row per pair, answers blank.
    public static func csv(_ pairs: [LabellingPair]) -> String {
        var lines = [record(columns)]
        for (offset, pair) in pairs.enumerated() {
            lines.append(record(identity(pair, number: offset + 1) + ["", "", "", ""]))
        }
        return "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The fields before the answers (`columns` up to `changes`), guarded.
    static func identity(_ pair: LabellingPair, number: Int) -> [String] {
        let changes = WordDiff.render(WordDiff.diff(pair.original, pair.adversarial), style: .markers)
        return [String(number), String(pair.run), guardCell(pair.recipe), String(pair.exampleIndex), pair.fingerprint,
                guardCell(pair.gold), guardCell(pair.original), guardCell(pair.adversarial), guardCell(changes)]
    }

    /// One CSV record: every field quoted, quotes doubled.
    static func record(_ fields: [String]) -> String {
        fields.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",")
    }

    /// The first characters that make a spreadsheet read a cell as a formula (and ', which the guard uses).
    static let guardStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r", "'"]

    /// `text` with a leading ' when it starts with = + - @ tab CR or '.
    public static func guardCell(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, guardStarts.contains(first) else { return text }
        return "'" + text
    }

    /// The inverse of `guardCell`: one leading ' removed when what follows starts with a guarded
    /// character (so a cell a spreadsheet saved without the guard reads the same).
    public static func unguardCell(_ text: String) -> String {
        var scalars = text.unicodeScalars.makeIterator()
        guard scalars.next() == "'", let second = scalars.next(), guardStarts.contains(second) else { return text }
        return String(text.unicodeScalars.dropFirst())
    }

    // MARK: - HTML

    /// labels.html for `pairs`, headed by `title`; `generator` (e.g. "robust 0.3.0") is named in the page.
    public static func html(_ pairs: [LabellingPair], title: String, generator: String) -> String {
        let script = self.script
        var digest = SHA256()
        digest.update(script)
        let scriptHash = Data(digest.finalize()).base64EncodedString()
        var out: [String] = []
        out.append("<!DOCTYPE html>")
        out.append("<html lang=\"en\">")
        out.append("<head>")
        out.append("<meta charset=\"utf-8\">")
        out.append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-\(scriptHash)'\">")
        out.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        out.append("<meta name=\"generator\" content=\"\(HTMLReport.escape(generator)) labelling sheet\">")
        out.append("<title>\(HTMLReport.escape(title))</title>")
        out.append("<style>\n\(HTMLReport.style)\n\(style)\n</style>")
        out.append("</head>")
        out.append("<body>")
        out.append("<main>")
        out.append("<h1>\(HTMLReport.escape(title))</h1>")
        out.append("<p class=\"meta\">\(pairs.count) pair\(pairs.count == 1 ? "" : "s") to judge. Written by \(HTMLReport.escape(generator)).</p>")
        out.append("""
        <div class="instructions">
        <p>Each pair is an original text and a changed copy of it: words <del>taken out</del> are marked in the original, \
        words <ins>put in</ins> in the changed text, and invisible characters appear as <span class="invisible">U+XXXX</span>. \
        For each pair answer two questions about the <em>changed</em> text:</p>
        <ol><li><strong>Same label?</strong> Would you still give it the original's label (shown above the texts)?</li>
        <li><strong>Natural?</strong> Does it still read as natural text a person could have written?</li></ol>
        <p>Add a note when something is worth saying. Your answers are kept in this browser while you work. When you are done, \
        press <em>Download answers</em> and send the downloaded CSV back (it is read by <code>robust audit import</code>).</p>
        </div>
        """)
        out.append("<noscript><p class=\"warning\">This page needs JavaScript to save and download answers. Without it, fill in the same_label, natural and note columns of labels.csv instead.</p></noscript>")
        out.append("<p class=\"annotator\"><label>Your name <input type=\"text\" id=\"annotator\" autocomplete=\"name\" size=\"30\"></label></p>")
        out.append("<p class=\"progress\" id=\"progress\" aria-live=\"polite\">0 of \(pairs.count) answered</p>")
        for (offset, pair) in pairs.enumerated() {
            let number = offset + 1
            let segments = WordDiff.diff(pair.original, pair.adversarial)
            let gold = HTMLReport.escape(pair.gold)
            out.append("<section class=\"pair\" id=\"pair-\(number)\">")
            out.append("<h2>Pair \(number) <span class=\"count\">of \(pairs.count)</span></h2>")
            out.append("<p class=\"gold\">Label of the original: <b>\(gold)</b></p>")
            out.append("<div class=\"texts\">")
            out.append("<div class=\"text\"><div class=\"which\">Original</div><p dir=\"auto\">\(side(segments, original: true))</p></div>")
            out.append("<div class=\"text\"><div class=\"which\">Changed</div><p dir=\"auto\">\(side(segments, original: false))</p></div>")
            out.append("</div>")
            out.append(question(name: "same_label-\(number)", legend: "Does the changed text still have the original's label, <b>\(gold)</b>?"))
            out.append(question(name: "natural-\(number)", legend: "Does the changed text still read as natural text?"))
            out.append("<label class=\"note\">Note (optional) <textarea id=\"note-\(number)\" rows=\"2\"></textarea></label>")
            out.append("</section>")
        }
        out.append("<p class=\"actions\"><button type=\"button\" id=\"download\">Download answers (CSV)</button> <span id=\"status\" aria-live=\"polite\"></span></p>")
        out.append("<script type=\"application/json\" id=\"sheet-data\">\(sheetData(pairs))</script>")
        out.append("<script>\(script)</script>")
        out.append("</main>")
        out.append("</body>")
        out.append("</html>")
        return out.joined(separator: "\n") + "\n"
    }

    /// One side of a pair: the original with its removed words in <del>, or the changed text with its new
    /// words in <ins>.
    static func side(_ segments: [WordDiff.Segment], original: Bool) -> String {
        segments.compactMap { segment -> String? in
            switch segment {
            case let .same(words):
                return visible(words.joined(separator: " "))
            case let .changed(old, new):
                let words = original ? old : new
                guard !words.isEmpty else { return nil }
                let tag = original ? "del" : "ins"
                return "<\(tag)>\(visible(words.joined(separator: " ")))</\(tag)>"
            }
        }.joined(separator: " ")
    }

    /// `text` HTML-escaped, with each control or format character (other than line ends and tabs, which
    /// read as spaces) shown as a visible "U+XXXX" mark.
    static func visible(_ text: String) -> String {
        var out = "", plain = ""
        for scalar in text.unicodeScalars {
            if CharacterSet.controlCharacters.contains(scalar) && !["\n", "\r", "\t"].contains(scalar) {
                out += HTMLReport.escape(plain)
                plain = ""
                let code = String(scalar.value, radix: 16, uppercase: true)
                let mark = "U+" + String(repeating: "0", count: max(0, 4 - code.count)) + code
                out += "<span class=\"invisible\" title=\"an invisible character\">\(mark)</span>"
            } else {
                plain.unicodeScalars.append(scalar)
            }
        }
        return out + HTMLReport.escape(plain)
    }

    static func question(name: String, legend: String) -> String {
        "<fieldset><legend>\(legend)</legend>"
            + "<label><input type=\"radio\" name=\"\(name)\" value=\"yes\"> yes</label> "
            + "<label><input type=\"radio\" name=\"\(name)\" value=\"no\"> no</label></fieldset>"
    }

    private struct SheetData: Encodable {
        var sheet: String
        var columns: [String]
        var rows: [[String]]
    }

    /// The JSON the script reads: the sheet's id (for local storage), the columns and each pair's fields
    /// before the answers, with < > &, the line separators and format characters escaped so that no text
    /// can end the block.
    static func sheetData(_ pairs: [LabellingPair]) -> String {
        var id = SHA256()
        for pair in pairs { id.update("\(pair.run)\t\(pair.recipe)\t\(pair.exampleIndex)\t\(pair.fingerprint)\n") }
        let data = SheetData(sheet: String(id.finalizeHex().prefix(16)), columns: columns,
                             rows: pairs.enumerated().map { identity($0.element, number: $0.offset + 1) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding [String] and [[String]] cannot fail; an empty object is the safe fallback all the same.
        let json = (try? encoder.encode(data)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        var out = ""
        out.reserveCapacity(json.utf8.count)
        for scalar in json.unicodeScalars {
            switch scalar {
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                // Format and control characters (bidi overrides, zero-width characters) as \u escapes, so
                // that not even the page's source is reordered by them.
                if scalar.value >= 0x80 && CharacterSet.controlCharacters.contains(scalar) {
                    for unit in String(scalar).utf16 {
                        let hex = String(unit, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    static let style = """
    .instructions { background: #f0f5fb; border-left: 4px solid #0b5cad; padding: 0.4em 1em; }
    .annotator input { font: inherit; padding: 0.2em 0.4em; }
    .progress { color: #5b6475; position: sticky; top: 0; background: #ffffff; padding: 0.3em 0; margin: 0; }
    .pair { border: 1px solid #e1e4ea; border-radius: 4px; padding: 0.4em 1em 0.8em; margin: 1.2em 0; }
    .pair.answered { border-left: 4px solid #2e8b57; }
    .pair h2 { margin-top: 0.4em; border: none; }
    .gold { margin: 0.2em 0; }
    .texts { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
    @media (max-width: 800px) { .texts { grid-template-columns: 1fr; } }
    .text p { margin: 0.2em 0; max-height: 24em; overflow-y: auto; overflow-wrap: anywhere; unicode-bidi: isolate; }
    .which { font-size: 0.85em; color: #5b6475; text-transform: uppercase; letter-spacing: 0.05em; }
    .invisible { font: 0.75em ui-monospace, "DejaVu Sans Mono", monospace; background: #fff4e0; border: 1px solid #e69f00; border-radius: 3px; padding: 0 0.2em; }
    fieldset { border: none; margin: 0.5em 0 0; padding: 0; }
    legend { padding: 0; margin-bottom: 0.2em; }
    fieldset label { margin-right: 1.5em; }
    .note { display: block; margin-top: 0.5em; }
    .note textarea { display: block; width: 100%; font: inherit; box-sizing: border-box; }
    .actions button { font: inherit; padding: 0.4em 1em; }
    """

    /// The page's script. It reads the JSON block, restores and saves answers in local storage, counts
    /// the answered pairs, and builds the download exactly as `csv` writes labels.csv (BOM, every field
    /// quoted, CRLF, text fields guarded), answers filled.
    static let script = #"""
    (function () {
      "use strict";
      var data = JSON.parse(document.getElementById("sheet-data").textContent);
      var storageKey = "robust-labels-" + data.sheet;
      var count = data.rows.length;
      var guarded = "=+-@\t\r'";
      function guard(text) { return text.length > 0 && guarded.indexOf(text.charAt(0)) >= 0 ? "'" + text : text; }
      function field(text) { return "\"" + String(text).replace(/"/g, "\"\"") + "\""; }
      function chosen(name) {
        var inputs = document.getElementsByName(name);
        for (var i = 0; i < inputs.length; i++) { if (inputs[i].checked) { return inputs[i].value; } }
        return "";
      }
      function choose(name, value) {
        var inputs = document.getElementsByName(name);
        for (var i = 0; i < inputs.length; i++) { inputs[i].checked = inputs[i].value === value; }
      }
      function note(number) { return document.getElementById("note-" + number).value; }
      function answers() {
        var list = [];
        for (var number = 1; number <= count; number++) {
          list.push([chosen("same_label-" + number), chosen("natural-" + number), note(number)]);
        }
        return list;
      }
      function refresh() {
        var done = 0, list = answers();
        for (var i = 0; i < list.length; i++) {
          var complete = list[i][0] !== "" && list[i][1] !== "";
          if (complete) { done++; }
          document.getElementById("pair-" + (i + 1)).classList.toggle("answered", complete);
        }
        document.getElementById("progress").textContent = done + " of " + count + " answered";
        return done;
      }
      function save() {
        try {
          localStorage.setItem(storageKey, JSON.stringify({ annotator: document.getElementById("annotator").value, answers: answers() }));
        } catch (error) { /* storage unavailable: answers live only in the page */ }
      }
      function restore() {
        var saved = null;
        try { saved = JSON.parse(localStorage.getItem(storageKey) || "null"); } catch (error) { saved = null; }
        if (!saved || !Array.isArray(saved.answers)) { return; }
        if (typeof saved.annotator === "string") { document.getElementById("annotator").value = saved.annotator; }
        for (var i = 0; i < saved.answers.length && i < count; i++) {
          var answer = saved.answers[i];
          if (!Array.isArray(answer)) { continue; }
          choose("same_label-" + (i + 1), answer[0]);
          choose("natural-" + (i + 1), answer[1]);
          if (typeof answer[2] === "string") { document.getElementById("note-" + (i + 1)).value = answer[2]; }
        }
      }
      function csv() {
        var annotator = document.getElementById("annotator").value;
        var lines = [data.columns.map(field).join(",")];
        var list = answers();
        for (var i = 0; i < count; i++) {
          var row = data.rows[i].concat([list[i][0], list[i][1], guard(list[i][2]), guard(annotator)]);
          lines.push(row.map(field).join(","));
        }
        return "\ufeff" + lines.join("\r\n") + "\r\n";
      }
      function download() {
        var done = refresh();
        var status = document.getElementById("status");
        if (done < count && !window.confirm((count - done) + " of " + count + " pairs are not fully answered. Download anyway?")) { return; }
        var url = URL.createObjectURL(new Blob([csv()], { type: "text/csv;charset=utf-8" }));
        var link = document.createElement("a");
        link.href = url;
        link.download = "labels-filled.csv";
        document.body.appendChild(link);
        link.click();
        document.body.removeChild(link);
        setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
        status.textContent = "Downloaded labels-filled.csv (" + done + " of " + count + " answered).";
      }
      restore();
      refresh();
      document.addEventListener("change", function () { save(); refresh(); });
      document.addEventListener("input", function () { save(); });
      document.getElementById("download").addEventListener("click", download);
    })();
    """#
}
