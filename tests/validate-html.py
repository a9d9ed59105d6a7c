#!/usr/bin/env python3
"""validate-html.py REPORT.html [MARKER...]: the HTML report is well-formed and self-contained.

- every element is closed in order (void elements aside): a strict tag balance on top of
  python3's html.parser, which itself never fails;
- no <script>, <iframe>, <object>, <embed>, <link>, <base>, <img>, <form>, no on* handler
  attribute, no javascript: and no reference to anything outside the page (src, href, action,
  xlink:href, srcset, poster, url(...) in CSS, @import): the page opens offline;
- each MARKER (an injection probe such as '<b>x</b>') appears nowhere as markup: every
  element name is one the writer emits, and the marker's own tags never appear.
Exit 0 when all hold; 1 with the first problem on stderr.
"""
import re
import sys
from html.parser import HTMLParser

VOID = {"meta", "br", "hr", "img", "input", "link", "area", "base", "col", "embed", "source", "track", "wbr"}
ALLOWED = {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p", "div",
           "section", "table", "thead", "tbody", "tr", "th", "td", "code", "strong", "br", "ul",
           "li", "a", "svg", "rect", "text"}
REF_ATTRS = {"src", "href", "action", "xlink:href", "srcset", "poster", "data", "formaction", "background"}


class Strict(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.errors = []
        self.style = []
        self.in_style = False
        self.doctype = False

    def err(self, msg):
        line, col = self.getpos()
        self.errors.append("line %d col %d: %s" % (line, col, msg))

    def check_attrs(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.err("event handler attribute %s on <%s>" % (name, tag))
            if name in REF_ATTRS and not value.startswith("#"):
                self.err("reference outside the page: %s=%r on <%s>" % (name, value, tag))
            if name == "style" and re.search(r"url\s*\(|@import|expression\s*\(", value, re.I):
                self.err("style attribute with a url/import on <%s>" % tag)
            if "javascript:" in value.lower().replace(" ", ""):
                self.err("javascript: in %s on <%s>" % (name, tag))

    def handle_decl(self, decl):
        if decl.lower() == "doctype html":
            self.doctype = True

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED:
            self.err("unexpected element <%s>" % tag)
        self.check_attrs(tag, attrs)
        if tag in VOID:
            return
        self.stack.append(tag)
        self.in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        if tag not in ALLOWED:
            self.err("unexpected element <%s/>" % tag)
        self.check_attrs(tag, attrs)

    def handle_endtag(self, tag):
        if tag in VOID:
            self.err("end tag for void element </%s>" % tag)
            return
        if not self.stack or self.stack[-1] != tag:
            self.err("</%s> closes %s" % (tag, "<%s>" % self.stack[-1] if self.stack else "nothing"))
            return
        self.stack.pop()
        self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.style.append(data)


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    text = open(sys.argv[1], encoding="utf-8").read()
    p = Strict()
    p.feed(text)
    p.close()
    if not p.doctype:
        p.errors.append("no <!DOCTYPE html>")
    if p.stack:
        p.errors.append("unclosed elements at the end: %s" % " ".join(p.stack))
    css = "".join(p.style)
    if re.search(r"url\s*\(|@import|@font-face", css, re.I):
        p.errors.append("the stylesheet fetches something (url(), @import or @font-face)")
    if "default-src 'none'" not in text:
        p.errors.append("no Content-Security-Policy default-src 'none'")
    for marker in sys.argv[2:]:
        if marker in text:
            p.errors.append("injection marker found unescaped: %r" % marker)
    if p.errors:
        for e in p.errors[:20]:
            print("validate-html: " + e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
