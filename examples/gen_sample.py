#!/usr/bin/env python3
"""Generate the bundled sample leak dump for trawl.

Writes ``examples/sample-dump/`` (the dump itself) and ``examples/expected.json``
(facts the tests check against).  Python 3 standard library only.  The output
is fully deterministic: a fixed random seed, fixed dates, no clock, no network,
no external data.  Running the script twice gives byte-identical files.

Usage:
    python3 examples/gen_sample.py            # generate, then verify
    python3 examples/gen_sample.py --no-verify

The company, people and events are fictional.  All domains use the reserved
``.example`` top-level domain and all IP addresses are documentation ranges.
"""

import base64
import datetime as dt
import email
import email.policy
import io
import json
import quopri
import random
import re
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from urllib.parse import quote as urlquote
from xml.sax.saxutils import escape as xesc

HERE = Path(__file__).resolve().parent
OUT = HERE / "sample-dump"
EXPECTED = HERE / "expected.json"
SEED = 20140314
D = "halvorsen-maritime.example"
ALLSTAFF = "all-staff@lists." + D

rng = random.Random(SEED)

# ---------------------------------------------------------------------------
# time zones (2014 rules, enough for the dates used here)
# ---------------------------------------------------------------------------


def tz_hours(zone, naive):
    if zone == "oslo":  # CET / CEST
        return 2 if dt.datetime(2014, 3, 30, 2) <= naive < dt.datetime(2014, 10, 26, 3) else 1
    if zone == "london":  # GMT / BST
        return 1 if dt.datetime(2014, 3, 30, 1) <= naive < dt.datetime(2014, 10, 26, 2) else 0
    if zone == "seattle":  # PST / PDT
        return -7 if dt.datetime(2014, 3, 9, 2) <= naive < dt.datetime(2014, 11, 2, 2) else -8
    if zone == "tokyo":
        return 9
    if zone == "moscow":  # MSK was UTC+4 until 26 Oct 2014
        return 4
    if zone == "utc":
        return 0
    raise ValueError(zone)


def at(s, person, sec=None):
    """'2014-03-14 06:40' in the person's local zone -> aware datetime."""
    naive = dt.datetime.strptime(s, "%Y-%m-%d %H:%M")
    naive = naive.replace(second=rng.randint(0, 59) if sec is None else sec)
    off = tz_hours(person.zone, naive)
    return naive.replace(tzinfo=dt.timezone(dt.timedelta(hours=off)))


WD = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def rfc_date(d):
    off = int(d.utcoffset().total_seconds() // 60)
    sign = "+" if off >= 0 else "-"
    off = abs(off)
    return "%s, %d %s %d %02d:%02d:%02d %s%02d%02d" % (
        WD[d.weekday()], d.day, MON[d.month - 1], d.year, d.hour, d.minute, d.second,
        sign, off // 60, off % 60)


def asctime_utc(d):
    u = d.astimezone(dt.timezone.utc)
    return "%s %s %2d %02d:%02d:%02d %d" % (WD[u.weekday()], MON[u.month - 1], u.day,
                                             u.hour, u.minute, u.second, u.year)


# ---------------------------------------------------------------------------
# people
# ---------------------------------------------------------------------------

CS_LABEL = {"utf-8": "UTF-8", "iso-8859-1": "ISO-8859-1", "koi8-r": "KOI8-R",
            "shift_jis": "Shift_JIS", "windows-1252": "windows-1252", "us-ascii": "us-ascii"}


class Person:
    def __init__(self, key, name, addr, role, zone, client, charset="utf-8",
                 hdr=("utf-8", "Q"), lang="en", display=None, sig=None, owner=False):
        self.key, self.name, self.addr, self.role = key, name, addr, role
        self.zone, self.client, self.charset, self.hdr, self.lang = zone, client, charset, hdr, lang
        self.display = display if display is not None else name
        self.owner = owner  # has a maildir in the dump
        self.sig = sig
        if sig is None:
            org = "Halvorsen Maritime Logistics AS" if addr.endswith("@" + D) else ""
            lines = [name, role] + ([org] if org else [])
            if client in ("thunderbird",):
                self.sig = "-- \n" + "\n".join(lines)
            elif client in ("outlook", "apple"):
                self.sig = "\n".join(lines)
            else:
                self.sig = ""

    @property
    def mailbox(self):
        return self.addr.split("@")[0]


def mk(key, name, local, role, zone, client, **kw):
    addr = local if "@" in local else local + "@" + D
    return Person(key, name, addr, role, zone, client, **kw)


erik = mk("erik", "Erik Halvorsen", "erik.halvorsen", "Chief Executive Officer", "oslo", "outlook", owner=True)
ingrid = mk("ingrid", "Ingrid Solberg", "ingrid.solberg", "Chief Financial Officer", "oslo", "outlook", owner=True)
jonas = mk("jonas", "Jonas Brekke", "jonas.brekke", "Head of Operations", "oslo", "thunderbird", owner=True)
marte = mk("marte", "Marte Lindqvist", "marte.lindqvist", "HR Director", "oslo", "outlook", owner=True)
tor = mk("tor", "Tor Aasen", "tor.aasen", "HSE Manager", "oslo", "thunderbird", owner=True)
sigrid = mk("sigrid", "Sigrid Nævdal", "sigrid.naevdal", "General Counsel", "oslo", "outlook",
            charset="iso-8859-1", hdr=("iso-8859-1", "Q"), lang="no", owner=True)
lars = mk("lars", "Lars Økland", "lars.okland", "Terminalsjef, Bergen", "oslo", "apple",
          charset="iso-8859-1", hdr=("utf-8", "B"), lang="no")
anna = mk("anna", "Anna Kowalski", "anna.kowalski", "Procurement Manager", "oslo", "outlook",
          charset="windows-1252", display="Kowalski, Anna",
          sig="Anna Kowalski\nProcurement Manager \u2013 Halvorsen Maritime Logistics AS\n\u201cSafe cargo, every voyage.\u201d")
pieter = mk("pieter", "Pieter de Vries", "pieter.devries", "Branch Manager, Rotterdam", "oslo", "outlook",
            charset="windows-1252",
            sig="Met vriendelijke groet / Kind regards,\nPieter de Vries\nBranch Manager \u2013 Rotterdam office\nHalvorsen Maritime Logistics B.V.")
yuki = mk("yuki", "田中 由紀", "yuki.tanaka", "横浜事務所", "tokyo", "outlook",
          charset="shift_jis", hdr=("utf-8", "B"), lang="ja",
          sig="田中 由紀\nHalvorsen Maritime Logistics 横浜事務所\nTEL 045-000-0000")
dmitri = mk("dmitri", "Дмитрий Волков", "dmitri.volkov", "Агент, Мурманск", "moscow", "thunderbird",
            charset="koi8-r", hdr=("koi8-r", "B"), lang="ru",
            sig="-- \nДмитрий Волков\nHalvorsen Maritime Logistics, Мурманск")
camille = mk("camille", "Camille Lefèvre", "camille.lefevre", "Head of Communications", "oslo", "outlook",
             charset="iso-8859-1", hdr=("iso-8859-1", "Q"),
             sig="Bien à vous,\nCamille Lefèvre\nHead of Communications\nHalvorsen Maritime Logistics AS")
henrik = mk("henrik", "Henrik Berg", "henrik.berg", "IT Manager", "oslo", "thunderbird")
olivia = mk("olivia", "Olivia Grant", "olivia.grant", "Sales Director, Americas (Seattle)", "seattle", "outlook")
gareth = mk("gareth", "Gareth Pryce", "gareth.pryce@bluewater-consult.example", "Director", "london", "outlook",
            charset="windows-1252",
            sig="Gareth Pryce\nDirector \u2013 Bluewater Consulting Ltd\n\u201cNavigating complexity.\u201d")
santos = mk("santos", "Aurelio Santos", "aurelio.santos77@freemail.example", "", "utc", "webmail")
nora = mk("nora", "Nora Fjeld", "nora.fjeld@dagsposten.example", "Journalist, Dagsposten", "oslo", "apple",
          charset="iso-8859-1", hdr=("iso-8859-1", "B"), lang="no",
          sig="Nora Fjeld\nJournalist, Dagsposten\nTlf. 22 00 00 00")
kessler = mk("kessler", "Marius Kessler", "marius.kessler@kessler-moen.example",
             "Partner, Kessler & Moen Advokatfirma", "oslo", "outlook")
torp = mk("torp", "Tor Aasen", "tor.aasen@fastpost.example", "", "oslo", "webmail")
nmsb = mk("nmsb", "Nordic Maritime Safety Board", "casework@nmsb.example", "", "oslo", "system",
          sig="Nordic Maritime Safety Board\nCasework Unit")
bank = mk("bank", "Nordfjord Bank", "no-reply@nordfjordbank.example", "", "oslo", "system")
digest = mk("digest", "Maritime Safety Digest", "digest@lists.maritime-safety-digest.example", "", "london", "list")

PEOPLE = [erik, ingrid, jonas, marte, tor, sigrid, lars, anna, pieter, yuki, dmitri, camille,
          henrik, olivia, gareth, santos, nora, kessler, torp, nmsb, bank, digest]
OWNERS = [p for p in PEOPLE if p.owner]

# ---------------------------------------------------------------------------
# RFC 2047 / RFC 2231 / header helpers
# ---------------------------------------------------------------------------


def encoded_words(text, charset, enc):
    label = CS_LABEL[charset]

    def one(s):
        b = s.encode(charset)
        if enc == "B":
            return "=?%s?B?%s?=" % (label, base64.b64encode(b).decode())
        out = []
        for byte in b:
            c = chr(byte)
            if byte == 0x20:
                out.append("_")
            elif byte < 128 and (c.isalnum() or c in "!*+-/"):
                out.append(c)
            else:
                out.append("=%02X" % byte)
        return "=?%s?Q?%s?=" % (label, "".join(out))

    words, cur = [], ""
    for ch in text:
        if cur and len(one(cur + ch)) > 75:
            words.append(one(cur))
            cur = ch
        else:
            cur += ch
    if cur:
        words.append(one(cur))
    return words


def enc_phrase(text, style, force=False):
    """Display name or subject -> header text (RFC 2047 if not ASCII)."""
    if text.isascii() and not force:
        return text
    cs, enc = style
    try:
        text.encode(cs)
    except UnicodeEncodeError:
        cs, enc = "utf-8", "B"
    return " ".join(encoded_words(text, cs, enc))


def fmt_addr(entry, style):
    if isinstance(entry, str):
        return entry
    name = entry.display
    if not name:
        return entry.addr
    if name.isascii():
        if re.search(r'[,.;:@()<>\[\]"]', name):
            name = '"%s"' % name
    else:
        name = enc_phrase(name, style)
    return "%s <%s>" % (name, entry.addr)


def fold(name, value):
    line = "%s: %s" % (name, value)
    if len(line) <= 78 or " " not in value:
        return line
    toks = re.findall(r'"[^"]*"\S*|\S+', value)  # never fold inside a quoted string
    lines, cur = [], name + ":"
    for t in toks:
        if len(cur) + 1 + len(t) > 78 and cur.strip() and cur != name + ":":
            lines.append(cur)
            cur = " " + t
        else:
            cur += " " + t
    lines.append(cur)
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# MIME nodes
# ---------------------------------------------------------------------------

_boundary_n = [0]


def new_boundary(client):
    _boundary_n[0] += 1
    n = _boundary_n[0]
    if client == "outlook":
        return "----=_NextPart_000_%04X_01CF%04X.%08X" % (n, rng.getrandbits(16), rng.getrandbits(32))
    if client == "thunderbird":
        return "------------%024d" % rng.getrandbits(72)
    if client == "apple":
        return "Apple-Mail=_%08X-%04X-%04X-%04X-%012X" % (
            rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(48))
    return "%028x" % rng.getrandbits(112)


def b64(data):
    return base64.encodebytes(data)


def qp(data):
    return quopri.encodestring(data, quotetabs=False)


class Text:
    """A text/plain or text/html leaf."""

    def __init__(self, subtype, text, charset, cte=None, flowed=False):
        self.subtype, self.text, self.charset = subtype, text, charset
        if cte is None:
            cte = {"us-ascii": "7bit", "iso-8859-1": "quoted-printable", "windows-1252": "8bit",
                   "koi8-r": "base64", "shift_jis": "base64", "utf-8": "quoted-printable"}[charset]
            if subtype == "html" and cte in ("7bit", "8bit"):
                cte = "quoted-printable"
        self.cte = cte

    def render(self, client):
        raw = self.text.encode(self.charset)
        if self.cte == "base64":
            body = b64(raw)
        elif self.cte == "quoted-printable":
            body = qp(raw)
        else:
            body = raw
        if not body.endswith(b"\n"):
            body += b"\n"
        label = CS_LABEL[self.charset]
        if client == "outlook":
            ct = 'Content-Type: text/%s;\n\tcharset="%s"' % (self.subtype, label)
        else:
            ct = "Content-Type: text/%s; charset=%s" % (self.subtype, label)
        return [ct, "Content-Transfer-Encoding: " + self.cte], body


class Att:
    """An attachment leaf."""

    def __init__(self, filename, ctype, data, rfc2231=False, charset=None, cte=None, tb_name=False):
        self.filename, self.ctype, self.data = filename, ctype, data
        self.rfc2231, self.charset, self.tb_name = rfc2231, charset, tb_name
        if cte is None:
            cte = "base64"
        self.cte = cte

    def render(self, client):
        fn = self.filename
        params = ""
        if self.charset:
            params += '; charset="%s"' % CS_LABEL[self.charset]
        if self.rfc2231:
            enc = "UTF-8''" + urlquote(fn, safe="")
            if self.tb_name:
                ct = "Content-Type: %s%s;\n name=\"%s\"" % (self.ctype, params,
                                                           encoded_words(fn, "utf-8", "Q")[0])
            else:
                ct = "Content-Type: %s%s" % (self.ctype, params)
            cd = "Content-Disposition: attachment;\n filename*=%s" % enc
        else:
            ct = 'Content-Type: %s%s;\n\tname="%s"' % (self.ctype, params, fn)
            cd = 'Content-Disposition: attachment;\n\tfilename="%s"' % fn
        body = b64(self.data) if self.cte == "base64" else self.data
        if not body.endswith(b"\n"):
            body += b"\n"
        return [ct, "Content-Transfer-Encoding: " + self.cte, cd], body


class Rfc822:
    def __init__(self, raw, filename):
        self.raw, self.filename = raw, filename

    def render(self, client):
        return ['Content-Type: message/rfc822;\n name="%s"' % self.filename,
                "Content-Transfer-Encoding: 7bit",
                'Content-Disposition: attachment;\n filename="%s"' % self.filename], self.raw


class Multi:
    def __init__(self, subtype, parts, broken=False):
        self.subtype, self.parts, self.broken = subtype, parts, broken

    def render(self, client):
        bnd = new_boundary(client)
        out = []
        if client == "outlook":
            out.append(b"This is a multi-part message in MIME format.\n\n")
        elif client == "thunderbird":
            out.append(b"This is a multi-part message in MIME format.\n")
        for p in self.parts:
            hs, body = p.render(client)
            out.append(b"--" + bnd.encode() + b"\n")
            out.append(("\n".join(hs) + "\n\n").encode())
            out.append(body)
            out.append(b"\n")
        if not self.broken:
            out.append(b"--" + bnd.encode() + b"--\n")
        return ['Content-Type: multipart/%s;\n\tboundary="%s"' % (self.subtype, bnd)], b"".join(out)


# ---------------------------------------------------------------------------
# documents: PDF, DOCX, XLSX, ZIP
# ---------------------------------------------------------------------------


def pdf_escape(s):
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(title, author, lines, created):
    """Minimal valid PDF 1.4, one A4 page, Helvetica (Type1), uncompressed stream.

    lines: list of str; a line starting with '# ' is set in Helvetica-Bold.
    created: 'D:20140317091500+01'00''"""
    ops = ["BT", "/F1 10 Tf", "14 TL", "56 790 Td"]
    for ln in lines:
        if ln.startswith("# "):
            ops += ["/F2 12 Tf", "(%s) Tj" % pdf_escape(ln[2:]), "/F1 10 Tf", "T*"]
        else:
            ops += ["(%s) Tj" % pdf_escape(ln), "T*"]
    ops.append("ET")
    stream = ("\n".join(ops) + "\n").encode("latin-1")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]\n"
        b"   /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >>\n   /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
        ("<< /Title (%s) /Author (%s) /Producer (HML DocGen 2.1) /CreationDate (%s) >>"
         % (pdf_escape(title), pdf_escape(author), created)).encode("latin-1"),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n" % (len(objs) + 1)
    out += b"0000000000 65535 f \n"
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def zip_bytes(members, when):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, date_time=when)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 0
            zi.external_attr = 0
            z.writestr(zi, data)
    return buf.getvalue()


XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CORE_NS = ('xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
           'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"')


def core_xml(title, creator, when_iso):
    return (XML_DECL + "<cp:coreProperties %s><dc:title>%s</dc:title><dc:creator>%s</dc:creator>"
            "<cp:lastModifiedBy>%s</cp:lastModifiedBy><cp:revision>3</cp:revision>"
            '<dcterms:created xsi:type="dcterms:W3CDTF">%s</dcterms:created>'
            '<dcterms:modified xsi:type="dcterms:W3CDTF">%s</dcterms:modified>'
            "</cp:coreProperties>" % (CORE_NS, xesc(title), xesc(creator), xesc(creator), when_iso, when_iso))


def app_xml(app):
    return (XML_DECL + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            "<Application>%s</Application></Properties>" % app)


RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
R_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
R_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
R_APP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties"


def root_rels(main):
    return (XML_DECL + '<Relationships xmlns="%s">'
            '<Relationship Id="rId1" Type="%s" Target="%s"/>'
            '<Relationship Id="rId2" Type="%s" Target="docProps/core.xml"/>'
            '<Relationship Id="rId3" Type="%s" Target="docProps/app.xml"/>'
            "</Relationships>" % (RELS_NS, R_OFFICE, main, R_CORE, R_APP))


def _wrun(text, bold=False):
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return '<w:r>%s<w:t xml:space="preserve">%s</w:t></w:r>' % (rpr, xesc(text))


def make_docx(title, creator, when, paragraphs, table=None, after=()):
    """paragraphs/after: list of str ('# ' prefix = bold heading); table: list of rows."""
    body = []
    for p in paragraphs:
        if p.startswith("# "):
            body.append("<w:p>%s</w:p>" % _wrun(p[2:], True))
        else:
            body.append("<w:p>%s</w:p>" % _wrun(p))
    if table:
        ncol = len(table[0])
        border = "".join('<w:%s w:val="single" w:sz="4" w:space="0" w:color="000000"/>' % b
                         for b in ("top", "left", "bottom", "right", "insideH", "insideV"))
        t = ['<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/><w:tblBorders>%s</w:tblBorders></w:tblPr>' % border,
             "<w:tblGrid>%s</w:tblGrid>" % ('<w:gridCol w:w="%d"/>' % (9000 // ncol) * ncol)]
        for i, row in enumerate(table):
            t.append("<w:tr>")
            for cell in row:
                t.append('<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/></w:tcPr><w:p>%s</w:p></w:tc>'
                         % (9000 // ncol, _wrun(str(cell), i == 0)))
            t.append("</w:tr>")
        t.append("</w:tbl>")
        body.append("".join(t))
    for p in after:
        body.append("<w:p>%s</w:p>" % _wrun(p))
    body.append("<w:p/>")
    body.append('<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
                '<w:pgMar w:top="1417" w:right="1417" w:bottom="1417" w:left="1417" '
                'w:header="708" w:footer="708" w:gutter="0"/></w:sectPr>')
    document = (XML_DECL + '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                "<w:body>" + "\n".join(body) + "</w:body></w:document>")
    ctypes = (XML_DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
              '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
              '<Default Extension="xml" ContentType="application/xml"/>'
              '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
              '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
              '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
              "</Types>")
    iso = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return zip_bytes([
        ("[Content_Types].xml", ctypes),
        ("_rels/.rels", root_rels("word/document.xml")),
        ("word/document.xml", document),
        ("docProps/core.xml", core_xml(title, creator, iso)),
        ("docProps/app.xml", app_xml("Microsoft Office Word")),
    ], when.timetuple()[:6])


def _col(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def make_xlsx(title, creator, when, sheets):
    """sheets: list of (name, rows); str cells go to sharedStrings, int/float are numbers."""
    strings, index = [], {}

    def sidx(s):
        if s not in index:
            index[s] = len(strings)
            strings.append(s)
        return index[s]

    sheet_xml = []
    for name, rows in sheets:
        out = []
        for r, row in enumerate(rows, 1):
            cells = []
            for c, v in enumerate(row):
                ref = "%s%d" % (_col(c), r)
                if v is None or v == "":
                    continue
                if isinstance(v, (int, float)):
                    cells.append('<c r="%s"><v>%s</v></c>' % (ref, v))
                else:
                    cells.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, sidx(str(v))))
            out.append('<row r="%d">%s</row>' % (r, "".join(cells)))
        sheet_xml.append(XML_DECL + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                         "<sheetData>%s</sheetData></worksheet>" % "".join(out))
    ns_main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    ns_r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    wb = (XML_DECL + '<workbook xmlns="%s" xmlns:r="%s"><sheets>%s</sheets></workbook>'
          % (ns_main, ns_r, "".join('<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (xesc(n), i, i)
                                    for i, (n, _) in enumerate(sheets, 1))))
    n = len(sheets)
    wbrels = [('<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>' % (i, ns_r, i))
              for i in range(1, n + 1)]
    wbrels.append('<Relationship Id="rId%d" Type="%s/sharedStrings" Target="sharedStrings.xml"/>' % (n + 1, ns_r))
    wbrels.append('<Relationship Id="rId%d" Type="%s/styles" Target="styles.xml"/>' % (n + 2, ns_r))
    wbrels_xml = XML_DECL + '<Relationships xmlns="%s">%s</Relationships>' % (RELS_NS, "".join(wbrels))
    sst = (XML_DECL + '<sst xmlns="%s" count="%d" uniqueCount="%d">%s</sst>'
           % (ns_main, len(strings), len(strings),
              "".join('<si><t xml:space="preserve">%s</t></si>' % xesc(s) for s in strings)))
    styles = (XML_DECL + '<styleSheet xmlns="%s">'
              '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
              '<fills count="2"><fill><patternFill patternType="none"/></fill>'
              '<fill><patternFill patternType="gray125"/></fill></fills>'
              '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
              '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
              '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
              '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
              "</styleSheet>" % ns_main)
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    ctypes = (XML_DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
              '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
              '<Default Extension="xml" ContentType="application/xml"/>'
              '<Override PartName="/xl/workbook.xml" ContentType="%s.sheet.main+xml"/>' % ct
              + "".join('<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="%s.worksheet+xml"/>' % (i, ct)
                        for i in range(1, n + 1))
              + '<Override PartName="/xl/sharedStrings.xml" ContentType="%s.sharedStrings+xml"/>' % ct
              + '<Override PartName="/xl/styles.xml" ContentType="%s.styles+xml"/>' % ct
              + '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
              '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
              "</Types>")
    iso = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    members = [("[Content_Types].xml", ctypes), ("_rels/.rels", root_rels("xl/workbook.xml")),
               ("xl/workbook.xml", wb), ("xl/_rels/workbook.xml.rels", wbrels_xml)]
    members += [("xl/worksheets/sheet%d.xml" % i, x) for i, x in enumerate(sheet_xml, 1)]
    members += [("xl/sharedStrings.xml", sst), ("xl/styles.xml", styles),
                ("docProps/core.xml", core_xml(title, creator, iso)),
                ("docProps/app.xml", app_xml("Microsoft Excel"))]
    return zip_bytes(members, when.timetuple()[:6])


CT_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def pdf_att(fn, title, author, lines, created, **kw):
    return Att(fn, "application/pdf", make_pdf(title, author, lines, created), **kw)


def docx_att(fn, title, creator, when, paras, table=None, after=(), **kw):
    return Att(fn, CT_DOCX, make_docx(title, creator, when, paras, table, after), **kw)


def xlsx_att(fn, title, creator, when, sheets, **kw):
    return Att(fn, CT_XLSX, make_xlsx(title, creator, when, sheets), **kw)


def text_att(fn, text, charset="us-ascii", ctype="text/plain", client_b64=True, **kw):
    data = text.encode(charset)
    cte = "base64" if (client_b64 or charset != "us-ascii") else "7bit"
    return Att(fn, ctype, data, charset=charset, cte=cte, **kw)


# ---------------------------------------------------------------------------
# messages
# ---------------------------------------------------------------------------

MSGS = []
BYKEY = {}
_mid_seen = set()


def make_mid(sender, date):
    dom = sender.addr.split("@")[1]
    c = sender.client
    epoch = int(date.timestamp()) if date else 1400000000
    if c == "outlook":
        mid = "<%03x%09x$%08x$%08x$@%s>" % (rng.getrandbits(12), rng.getrandbits(36), rng.getrandbits(32),
                                             rng.getrandbits(32), dom)
    elif c == "thunderbird":
        mid = "<%08X.%d@%s>" % (epoch, rng.randint(1000000, 9999999), dom)
    elif c == "apple":
        mid = "<%08X-%04X-%04X-%04X-%012X@%s>" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(16),
                                                 rng.getrandbits(16), rng.getrandbits(48), dom)
    elif c == "webmail":
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        mid = "<CA+%s@mail.%s>" % ("".join(rng.choice(alphabet) for _ in range(40)), dom)
    else:
        mid = "<%d.%06d.%s@%s>" % (epoch, rng.randint(0, 999999), c, dom)
    assert mid not in _mid_seen
    _mid_seen.add(mid)
    return mid


def fill(text):
    """Wrap prose paragraphs at 72 columns; keep quotes, lists, tables, CJK."""
    out = []
    for para in text.split("\n\n"):
        lines = para.split("\n")
        keep = any(l.startswith((">", "-", " ", "*", "|")) or re.match(r"^\d+[.)] ", l) for l in lines)
        keep = keep or any(ord(ch) > 0x2fff for ch in para) or para.startswith("-- ")
        if keep or len(lines) > 1 and all(len(l) < 60 for l in lines):
            out.append(para)
        else:
            out.append(textwrap.fill(" ".join(l.strip() for l in lines), 72,
                                     break_long_words=False, break_on_hyphens=False))
    return "\n\n".join(out)


def text_to_html(text, charset, extra_css=""):
    parts = []
    for para in text.split("\n\n"):
        lines = para.split("\n")
        if all(l.startswith(">") for l in lines):
            inner = "<br>\n".join(xesc(re.sub(r"^>+ ?", "", l)) for l in lines)
            parts.append('<blockquote style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">'
                         "%s</blockquote>" % inner)
        else:
            parts.append("<p class=\"MsoNormal\">%s</p>" % "<br>\n".join(xesc(l) for l in lines))
    return ("<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=%s\">\n"
            "<style>p.MsoNormal{margin:0;font-family:Calibri,sans-serif;font-size:11pt}%s</style>\n</head>\n"
            "<body lang=\"EN-GB\">\n<div class=\"WordSection1\">\n%s\n</div>\n</body>\n</html>\n"
            % (CS_LABEL[charset], extra_css, "\n".join(parts)))


def body_charset(person, text):
    if text.isascii():
        return "us-ascii"
    try:
        text.encode(person.charset)
        return person.charset
    except UnicodeEncodeError:
        return "utf-8"


class Msg:
    def __init__(self, key, sender, to, subject, date, text, cc=(), bcc=(), reply_to=None,
                 kind=None, atts=(), html=None, where=None, headers=(), parent=None, refs=(),
                 date_raw=None, no_date=False, body=None, received=None, own_text=None):
        self.key, self.sender, self.to, self.cc, self.bcc = key, sender, list(to), list(cc), list(bcc)
        self.reply_to, self.subject, self.date = reply_to, subject, date
        self.text = text
        self.own_text = own_text if own_text is not None else text
        self.parent, self.refs = parent, list(refs)
        self.where = where  # None (auto) or list of locations
        self.extra = list(headers)
        self.date_raw, self.no_date = date_raw, no_date
        self.received = received
        if kind is None:
            kind = "alt" if sender.client == "outlook" else "plain"
        self.kind = kind
        self.atts = list(atts)
        self.html = html
        self.body = body
        self.broken = False
        self.mid = make_mid(sender, date)
        self.raw = None
        self.locations = []
        MSGS.append(self)
        assert key not in BYKEY, key
        BYKEY[key] = self

    # ---- structure
    def build_body(self):
        if self.body is not None:
            return self.body
        s = self.sender
        cs = body_charset(s, self.text)
        if self.kind == "plain":
            main = Text("plain", self.text, cs,
                        cte="8bit" if (cs == "utf-8" and s.client == "thunderbird") else None)
        elif self.kind == "html":
            hcs = body_charset(s, self.html)
            main = Text("html", self.html, hcs if hcs != "us-ascii" else "us-ascii")
        elif self.kind == "alt":
            html = self.html or text_to_html(self.text, cs)
            main = Multi("alternative", [Text("plain", self.text, cs), Text("html", html, cs)])
        else:
            raise ValueError(self.kind)
        if self.atts:
            return Multi("mixed", [main] + self.atts, broken=self.broken)
        return main

    def header_lines(self):
        s = self.sender
        style = s.hdr
        h = []
        if self.received:
            h += self.received
        h.append("Message-ID: " + self.mid)
        if self.date_raw is not None:
            h.append("Date: " + self.date_raw)
        elif not self.no_date:
            h.append("Date: " + rfc_date(self.date))
        h.append(fold("From", fmt_addr(s, style)))
        if self.reply_to:
            h.append(fold("Reply-To", fmt_addr(self.reply_to, style)))
        if self.to:
            h.append(fold("To", ", ".join(fmt_addr(a, style) for a in self.to)))
        if self.cc:
            h.append(fold("Cc", ", ".join(fmt_addr(a, style) for a in self.cc)))
        if self.bcc:
            h.append(fold("Bcc", ", ".join(fmt_addr(a, style) for a in self.bcc)))
        h.append(fold("Subject", enc_phrase(self.subject, style)))
        if self.parent is not None:
            pmid = self.parent if isinstance(self.parent, str) else self.parent.mid
            h.append("In-Reply-To: " + pmid)
            h.append(fold("References", " ".join(self.refs)))
        h += self.extra
        if s.client == "outlook":
            h.append("X-Mailer: Microsoft Outlook 14.0")
            h.append("Thread-Index: " + base64.b64encode(rng.getrandbits(176).to_bytes(22, "big")).decode())
            h.append("Content-Language: " + {"no": "nb-no", "ja": "ja", "ru": "ru"}.get(s.lang, "en-gb"))
        elif s.client == "thunderbird":
            h.append("User-Agent: Mozilla/5.0 (Windows NT 6.1; WOW64; rv:24.0) Gecko/20100101 Thunderbird/24.4.0")
        elif s.client == "apple":
            h.append("X-Mailer: Apple Mail (2.1874)")
        elif s.client == "webmail":
            h.append("X-Originating-IP: [198.51.100.%d]" % rng.randint(2, 250))
        h.append("MIME-Version: 1.0")
        return h

    def render(self):
        node = self.build_body()
        self.node = node
        ph, body = node.render(self.sender.client)
        head = "\n".join(self.header_lines() + ph) + "\n\n"
        self.raw = head.encode("ascii") + body
        return self.raw


def received_for(sender, rcpt, date):
    host = sender.addr.split("@")[1]
    ip = "203.0.113.%d" % rng.randint(2, 250)
    d2 = date + dt.timedelta(seconds=rng.randint(1, 20))
    raddr = rcpt.addr if not isinstance(rcpt, str) else rcpt
    rdom = raddr.split("@")[1].replace("lists.", "")
    return ["Received: from mail.%s (mail.%s [%s])\n\tby mx1.%s (Postfix) with ESMTPS id %010X\n\tfor <%s>; %s"
            % (host, host, ip, rdom, rng.getrandbits(40), raddr, rfc_date(d2))]


def new(key, sender, to, subject, when, text, sig=True, **kw):
    date = at(when, sender) if isinstance(when, str) else when
    if sig and sender.sig:
        text = text.rstrip("\n") + "\n\n" + sender.sig
    text = fill(text.strip("\n")) + "\n"
    if not sender.addr.endswith("@" + D) and kw.get("received", None) is None and to and date:
        kw["received"] = received_for(sender, to[0], date)
    return Msg(key, sender, to, subject, date, text, **kw)


def attribution(sender, parent):
    pd = parent.date
    if sender.lang == "no":
        return "Den %s kl. %s, skrev %s:" % (pd.strftime("%d.%m.%Y"), pd.strftime("%H:%M"), parent.sender.name)
    if sender.lang == "ru":
        return "%s, %s пишет:" % (pd.strftime("%d.%m.%Y %H:%M"), parent.sender.name)
    if sender.lang == "ja":
        return "%s %s wrote:" % (pd.strftime("%Y/%m/%d %H:%M"), parent.sender.name)
    return "On %s, %s wrote:" % (rfc_date(pd)[:-6], parent.sender.name)


def quote_block(parent, nested, limit):
    lines = parent.own_text.rstrip("\n").split("\n")
    if limit:
        lines = lines[:limit]
    q = ["> " + l if l else ">" for l in lines]
    if nested and parent.text != parent.own_text:
        rest = parent.text[len(parent.own_text):].strip("\n").split("\n")
        q.append(">")
        q += [(">" + l if l.startswith(">") else "> " + l) if l else ">" for l in rest]
    return "\n".join(q)


def rep(key, parent, sender, when, text, to=None, cc=(), prefix="Re: ", quote=True, nested=False,
        limit=0, sig=True, **kw):
    date = at(when, sender) if isinstance(when, str) else when
    if to is None:
        to = [parent.sender]
    subj = parent.subject
    if not re.match(r"(?i)^(re|sv|aw):", subj):
        subj = prefix + subj
    own = text.strip("\n")
    if sig and sender.sig:
        own += "\n\n" + sender.sig
    own = fill(own) + "\n"
    full = own
    if quote:
        full = own + "\n" + attribution(sender, parent) + "\n" + quote_block(parent, nested, limit) + "\n"
    refs = (parent.refs + [parent.mid])[-8:]
    if not sender.addr.endswith("@" + D) and kw.get("received", None) is None:
        kw["received"] = received_for(sender, to[0], date)
    return Msg(key, sender, to, subj, date, full, cc=cc, parent=parent, refs=refs, own_text=own, **kw)


def fwd(key, parent, sender, to, when, text, prefix="Fwd: ", **kw):
    date = at(when, sender) if isinstance(when, str) else when
    own = fill(text.strip("\n") + ("\n\n" + sender.sig if sender.sig else "")) + "\n"
    p = parent
    block = ["---------- Forwarded message ----------",
             "From: %s <%s>" % (p.sender.name, p.sender.addr),
             "Date: %s" % rfc_date(p.date),
             "Subject: %s" % p.subject,
             "To: %s" % ", ".join(a.addr if not isinstance(a, str) else a for a in p.to), "",
             p.own_text.rstrip("\n")]
    full = own + "\n" + "\n".join(block) + "\n"
    return Msg(key, sender, to, prefix + p.subject, date, full, own_text=own, **kw)


# ---------------------------------------------------------------------------
# the storyline
# ---------------------------------------------------------------------------

LIST_INTERNAL = [
    "List-Id: All staff <all-staff.lists.%s>" % D,
    "List-Unsubscribe: <mailto:all-staff-leave@lists.%s>" % D,
    "List-Post: <mailto:%s>" % ALLSTAFF,
    "Precedence: list",
    "Sender: all-staff-bounces@lists.%s" % D,
]


def list_digest():
    return [
        "List-Id: Maritime Safety Digest <digest.lists.maritime-safety-digest.example>",
        "List-Unsubscribe: <mailto:digest-unsubscribe@lists.maritime-safety-digest.example>,\n"
        " <https://lists.maritime-safety-digest.example/unsubscribe?u=%08x>" % rng.getrandbits(32),
        "List-Archive: <https://lists.maritime-safety-digest.example/archive/>",
        "Precedence: bulk",
    ]


def html_page(title, body_html, charset="us-ascii"):
    return ("<!DOCTYPE html PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\">\n<html>\n<head>\n"
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=%s\">\n<title>%s</title>\n"
            "</head>\n<body style=\"font-family:Arial,sans-serif;font-size:13px\">\n%s\n</body>\n</html>\n"
            % (CS_LABEL[charset], xesc(title), body_html.strip()))


def story():
    # ---- February ------------------------------------------------------
    new("kickoff", erik, [ALLSTAFF], "Kick-off 2014: steady course", "2014-02-03 08:15", """
Dear colleagues,

2014 will be a demanding year. The Kestrel Bay terminal contract is up for renewal in April and it represents almost a third of our volume. Our priorities are simple: on-time berthing, cost discipline and zero harm.

I will host a town hall in the Bergen canteen on Friday at 14:00. Rotterdam, Murmansk, Yokohama and Seattle can join by video.

Erik""", headers=LIST_INTERNAL, sig=False)

    p1 = new("pipeline1", olivia, [erik], "Americas pipeline Q1", "2014-02-10 09:30", """
Hi Erik,

Quick update on the Americas pipeline for Q1. Cascade Timber Exports has asked for a firm quote on the Seattle - Yokohama - Bergen triangle; Puget Sound Seafoods wants two extra reefer sailings in March. Together that is roughly USD 2.4m in annual revenue if we can hold the rates.

Can we discuss on Thursday? Mornings my time work best.

Thanks,
Olivia""", cc=[jonas])
    p2 = rep("pipeline2", p1, erik, "2014-02-11 07:55", """
Olivia,

Good news. Thursday 17:00 Oslo time works. Jonas, please check whether Lofoten Trader can take the extra reefers.

Erik""", cc=[jonas], sig=False)
    rep("pipeline3", p2, olivia, "2014-02-11 08:20", """
Perfect, I'll send an invite for Thursday. I'll have the Cascade numbers ready.

Olivia""", cc=[jonas], nested=True)

    b1 = new("berth1", anna, [jonas], "Kestrel Bay berth allocation \u2013 delays again", "2014-02-12 10:20", """
Jonas,

We lost another four days at Kestrel Bay last week: MV Skagerrak Dawn waited at anchor from Monday to Friday while two Meridian Lines ships went straight in. That\u2019s \u20ac38,000 in demurrage this month alone.

I spoke to Mr Santos at the harbour office. He was polite, but said, and I quote, \u201cthings can move faster for partners who understand how the port works\u201d. I don\u2019t know what he expects us to do with that.""")
    b2 = rep("berth2", b1, jonas, "2014-02-12 13:05", """
Anna,

Talk to Gareth Pryce at Bluewater Consulting. He has handled Kestrel Bay for other owners and knows how these things work there. Keep it off the ops list, please.

Jonas""", sig=False)
    b3 = rep("berth3", b2, anna, "2014-02-13 09:40", """
Jonas,

I had lunch with Gareth. He says \u20ac15,000 per quarter, invoiced as a \u201cport liaison retainer\u201d. Half of it goes to the harbour office \u2013 he called it a \u201csweetener\u201d and laughed. I don\u2019t like this at all, and I want it on record that I asked.

Anna""", sig=False)
    rep("berth4", b3, jonas, "2014-02-14 08:30", """
Approved. Ingrid will route it through the consultancy budget line (6540). Please don't forward this thread.

Jonas""", cc=[ingrid], quote=False, sig=False)

    new("engage", gareth, [anna], "Engagement letter \u2013 Bluewater Consulting / HML", "2014-02-19 15:10", """
Dear Anna,

As discussed, please find attached our engagement letter. Fees are \u20ac15,000 per quarter, payable in advance to our account in St Helier. Once signed, I\u2019ll make the necessary introductions at the harbour office.

Best,
Gareth""", reply_to=Person("gp", "Gareth Pryce", "gp.bluewater@freemail.example", "", "london", "webmail"),
        atts=[docx_att("Engagement_Letter_Bluewater_HML.docx", "Engagement letter", "Gareth Pryce",
                       dt.datetime(2014, 2, 19, 14, 2, 0), [
                           "# Bluewater Consulting Ltd",
                           "Engagement letter: Halvorsen Maritime Logistics AS",
                           "Scope of services: port liaison, berth scheduling advisory and stakeholder relations "
                           "at the Port of Kestrel Bay.",
                           "Fees: EUR 15,000 per calendar quarter, invoiced in advance. Expenses at cost.",
                           "Term: twelve months from signature, renewable.",
                           "Signed for Bluewater Consulting Ltd: Gareth Pryce, Director"])])

    # ---- March -----------------------------------------------------------
    i1 = new("inv1", ingrid, [gareth], "Invoice BW-2014-007", "2014-03-03 10:00", """
Gareth,

Payment of EUR 15,000 against invoice BW-2014-007 was released today. Please confirm receipt.

Regards,
Ingrid""", cc=[anna], bcc=[erik])
    i2 = rep("inv2", i1, gareth, "2014-03-04 11:12", """
Ingrid,

Received with thanks. Our friend at the port sends his regards.

From Monday the berth is yours \u2013 Skagerrak Dawn will go straight to berth 4.

Gareth""", cc=[anna], sig=False, where=[("mbox",)])
    rep("inv3", i2, ingrid, "2014-03-04 12:30", """
Gareth,

Please do not write things like this in email. Keep to invoices and schedules.

>From Monday the berth is yours \u2013 Skagerrak Dawn will go straight to berth 4.

Ingrid""", quote=False, sig=False, where=[("mbox",)])

    new("davit", olivia, [jonas], "Cascade Timber \u2013 lifting equipment quote", "2014-03-05 11:40", "",
        cc=[erik], kind="html", html=html_page("Cascade Timber quote", """
<p>Hi Jonas,</p>
<p>Cascade Timber needs heavy-lift support at Pier 91 for the March sailing. Their broker sent the
quote below; can you confirm we accept the rental line?</p>
<table border="1" cellpadding="4" cellspacing="0">
<tr><th>Item</th><th>Qty</th><th>Price (USD)</th></tr>
<tr><td>Rental: davitcrane, 12 t, Pier 91</td><td>2 days</td><td>6,800</td></tr>
<tr><td>Rigging crew</td><td>4</td><td>3,100</td></tr>
<tr><td>Port security escort</td><td>1</td><td>450</td></tr>
</table>
<p>Thanks,<br>Olivia<br><span style="color:#888">Sales Director, Americas (Seattle)</span></p>"""))

    f1 = new("fire1", tor, [jonas], "URGENT: engine room fire on MV Nordkapp Star, Kestrel Bay", "2014-03-14 06:40", """
Jonas,

There was a fire in the engine room of MV Nordkapp Star at 03:10 local time last night, while she was bunkering at Kestrel Bay, berth 4. A flange on the transfer line failed and fuel sprayed onto the hot exhaust manifold of auxiliary engine no. 2.

The crew released CO2 into the engine room after about 40 minutes and the fire is out. Oiler Rune Moe has second-degree burns on both hands and is in hospital in Kestrel Bay. Nobody else is hurt.

This is a marine casualty with personal injury. We have to notify the flag state and the Nordic Maritime Safety Board within 72 hours. I am drafting the notification now.

Tor""", cc=[lars], sig=False, where=[("maildir", "tor"), ("maildir", "jonas")])
    f2 = rep("fire2", f1, jonas, "2014-03-14 08:05", """
Tor,

Thanks. Get me a written report by Monday. Do NOT send anything to the NMSB or the flag state until we have spoken to Erik. I'm copying him now.

Jonas""", cc=[erik], sig=False)
    f3 = rep("fire3", f2, erik, "2014-03-14 09:30", """
Jonas, Tor,

We are not notifying anyone at this stage. The Kestrel Bay renewal is signed in April and we cannot afford a detention or a port state inspection now. Log it as a minor technical fault, fuel leak contained. Rune will be looked after; I will make sure of that personally.

Erik""", to=[jonas, tor], nested=True, sig=False)
    f4 = rep("fire4", f3, tor, "2014-03-14 10:02", """
Erik,

With respect, I cannot agree. A fire with an injured crew member is a reportable marine casualty, and the 72 hours run out on Monday morning. If we log it as a minor fault we are falsifying the record. I want my objection noted.

Tor""", cc=[jonas], sig=False, nested=True)
    rep("fire5", f4, erik, "2014-03-14 11:15", """
Tor,

Noted. Send your report to me and Jonas only. Nobody else.

Erik""", sig=False)

    r1 = new("report1", tor, [erik, jonas], "Incident report \u2013 Nordkapp Star 14.03.2014", "2014-03-17 07:50", """
Erik, Jonas,

Attached is my incident report. I have copied Sigrid because I believe the company has a legal duty to report, and I want legal advice on record.

Tor""", cc=[sigrid], atts=[pdf_att("Incident_Report_NKS_2014-03-14.pdf", "HSE incident report NKS-2014-03",
                                   "Tor Aasen", [
        "# HALVORSEN MARITIME LOGISTICS AS - HSE INCIDENT REPORT",
        "Report no.: NKS-2014-03          Classification: Marine casualty with personal injury",
        "",
        "Vessel: MV Nordkapp Star         Location: Port of Kestrel Bay, berth 4",
        "Date and time: 14 March 2014, 03:10 local time",
        "",
        "# Sequence of events",
        "02:50  Bunkering commenced from barge Kestrel Supplier 2.",
        "03:05  Engine room reports smell of fuel near auxiliary engine no. 2.",
        "03:10  Flange on the bunkerfuel transfer line fails; spray ignites on exhaust manifold.",
        "03:18  Engine room evacuated. Oiler R. Moe injured while closing the quick-closing valve.",
        "03:50  Fixed CO2 system released on the Master's order.",
        "04:12  Fire confirmed extinguished.",
        "",
        "# Injuries",
        "Oiler Rune Moe: second-degree burns to both hands; hospitalised for three days.",
        "",
        "# Assessment",
        "Reportable to flag state and Nordic Maritime Safety Board within 72 hours: YES.",
        "Reported: NO - instruction from CEO, 14.03.2014 09:30.",
        "",
        "Prepared by: Tor Aasen, HSE Manager, 16 March 2014",
    ], "D:20140316211500+01'00'")], sig=False)
    r2 = rep("report2", r1, sigrid, "2014-03-17 10:12", """
Erik,

Jeg har lest rapporten fra Tor. Etter min vurdering er dette en meldepliktig sjøulykke: brann om bord og en skadet besetningsmann. Fristen for melding er 72 timer, og den går ut i dag. Å la være å melde kan gi personlig straffeansvar både for rederiet og for ledelsen.

Jeg anbefaler sterkt at vi melder i dag.

Med vennlig hilsen""", to=[erik], cc=[tor], prefix="SV: ", limit=3)
    r3 = rep("report3", r2, erik, "2014-03-17 11:40", """
Sigrid, let's talk in person, not on email. My office at 14:00.

Erik""", sig=False)
    rep("report4", r3, sigrid, "2014-03-17 16:55", """
Erik,

Som avtalt på møtet: jeg har notert min innsigelse. Beslutningen om ikke å melde er din. Jeg vil ikke være med på en kjølhaling av Tor Aasen fordi han gjorde jobben sin.

Sigrid""", cc=[tor], sig=False, limit=2)

    new("sjo", sigrid, [erik], "Sjøforklaring - Nordkapp Star", "2014-03-18 09:00", """
Erik,

Hvis saken kommer ut, kan NMSB kreve en rettslig forklaring fra mannskapet. Da må loggboken og rapporten fra Tor legges frem i original. Vi må ikke endre noe i loggboken.

Sigrid""", sig=False)

    l1 = new("log1", erik, [jonas], "Engine log 14 March", "2014-03-18 08:10", """
Jonas,

Have the engine log for 14 March amended to read 'fuel line leak, contained by crew, no damage'. Remove the CO2 release entry. Captain Haugen will sign.

Erik""", sig=False)
    rep("log2", l1, jonas, "2014-03-18 15:20", """
Erik,

Done. Captain Haugen was not happy and said so.

From the original bridge log, before the change, I have kept a copy (attached). I will not destroy it.

Jonas""", bcc=[sigrid], sig=False, where=[("mbox",)], atts=[text_att(
        "bridge_log_extract_2014-03-14.txt", """MV NORDKAPP STAR - BRIDGE LOG EXTRACT (ORIGINAL, BEFORE AMENDMENT)
Date: 14.03.2014  Position: Port of Kestrel Bay, berth 4

0250  Bunkering commenced from barge Kestrel Supplier 2.
0305  Engine room reports smell of fuel.
0310  FIRE ALARM engine room, aux engine no. 2. General alarm, foghorn signal given.
0318  Engine room evacuated. Oiler R. Moe injured (burns to hands).
0350  CO2 released into engine room on Master's order.
0412  Fire confirmed extinguished.
0430  Injured crew member transferred ashore by ambulance.

Signed: O. Haugen, Master
""", client_b64=False)])

    board = new("board_inner", erik, ["board@%s" % D], "Board summary \u2013 March", "2014-03-19 18:30", """
Dear board members,

A short summary for March. Volumes are on budget and the Kestrel Bay renewal is on track for signature in April.

MV Nordkapp Star had a minor technical fault during bunkering on 14 March (fuel line leak, contained, no damage). No lost-time injuries to report this month.

The grapnel project (new mooring equipment for the Bergen terminal) is delayed to Q3.

Best regards,
Erik""", kind="plain", sig=False)
    MSGS.remove(board)
    del BYKEY["board_inner"]
    board_raw = board.render()
    k1 = new("kessler1", torp, [kessler], "Fwd: Board summary \u2013 March", "2014-03-20 21:40", """
Mr Kessler,

As discussed on the phone, I am forwarding the board summary that the CEO sent on 19 March. Please compare it with my incident report of 16 March. I am writing from my private address.

Tor Aasen""", sig=False, where=[("loose",)],
        atts=[Rfc822(board_raw, "Board summary - March.eml")])
    rep("kessler2", k1, kessler, "2014-03-21 08:45", """
Tor,

Thank you. Please keep copies of everything on a private device, and do not delete anything at work. The whistleblower provisions of the Working Environment Act protect you, but document every step.

Best regards""", where=[("loose",)], limit=4)

    y1 = new("yuki1", yuki, [jonas], "4月の入港予定（横浜）", "2014-03-31 10:00", """
ブレッケ様

いつもお世話になっております。横浜事務所の田中です。

4月の横浜入港予定をお送りします。
MV Lofoten Trader は4月3日朝に本牧沖で錨泊し、
バースが空き次第着岸する予定です。

詳細は添付の予定表をご確認ください。

よろしくお願いいたします。""", kind="plain", atts=[text_att(
        "入港予定表.csv", "船名,入港予定日,岸壁,備考\nMV Lofoten Trader,2014-04-03,本牧D-5,沖待ちの可能性あり\n"
        "MV Hardanger Spirit,2014-04-17,大黒C-3,\nMV Skagerrak Dawn,2014-04-28,本牧D-1,冷凍コンテナ12本\n",
        charset="shift_jis", ctype="text/csv", rfc2231=True)])
    y2 = rep("yuki2", y1, jonas, "2014-03-31 09:15", """
Thank you, Yuki-san. Please confirm the pilot booking for 3 April as soon as the berth window is fixed.

Best regards,
Jonas""", limit=3, sig=False)
    rep("yuki3", y2, yuki, "2014-04-01 09:30", """
ブレッケ様

承知しました。水先案内人の手配は4月2日までに確定いたします。

よろしくお願いいたします。""", kind="plain", limit=3)

    # ---- April -----------------------------------------------------------
    lt1 = new("lowtide1", erik, [marte, ingrid, pieter], "CONFIDENTIAL: Operation Low Tide", "2014-04-02 07:45", """
Marte, Ingrid, Pieter,

Attached is the outline for Operation Low Tide. The numbers are not up for discussion; the timing is. I want the Rotterdam consultation started before the summer and all notices served by the end of September.

This stays within this group. Do not save it on the shared drive.

Erik""", sig=False, atts=[docx_att(
        "Operation_Low_Tide_outline.docx", "Operation Low Tide - outline", "Erik Halvorsen",
        dt.datetime(2014, 4, 1, 19, 12, 0), [
            "STRICTLY CONFIDENTIAL - EXECUTIVE TEAM ONLY",
            "# Operation Low Tide",
            "Purpose: reduce fixed personnel costs by NOK 38 million per year before the renewed Kestrel Bay "
            "contract is priced for 2015.",
            "Cash constraint: the Q3 forecast must stay above the lowwatermark agreed with Nordfjord Bank "
            "(NOK 45 million).",
            "Communication: no announcement before the works council consultation in Rotterdam has been scheduled.",
            "# Reductions by site"],
        table=[["Site", "FTE today", "Reduction", "Notes"],
               ["Rotterdam", "114", "40", "Close the chartering desk; move claims to Bergen"],
               ["Bergen terminal", "86", "12", "Includes review of the HSE function"],
               ["Oslo head office", "52", "6", "Codename gangplank: voluntary packages first"],
               ["Murmansk", "9", "2", "Agency model from 2015"]],
        after=["Owner: Erik Halvorsen. Next review: 15 April 2014."])])
    lt2 = rep("lowtide2", lt1, pieter, "2014-04-02 11:20", """
Erik,

40 positions in Rotterdam is 35% of the office. Under Dutch law the \u201cOR\u201d (works council) must be consulted before any decision is final \u2013 we cannot serve notices by September if we only start in June. Severance will also be higher than your \u20ac1.2m estimate; I expect at least \u20ac1.9m.

Pieter""", cc=[marte, ingrid], sig=False, limit=6)
    lt3 = rep("lowtide3", lt2, marte, "2014-04-03 08:30", """
Erik,

I agree with Pieter on the timeline. I also need to flag that the Bergen list includes the HSE function. Cutting HSE a few weeks after a serious incident will look like retaliation, whatever the intention is.

Marte""", to=[erik], cc=[pieter, ingrid], nested=True, sig=False)
    rep("lowtide4", lt3, erik, "2014-04-03 09:10", """
Start the consultation in May, then. HSE stays on the list; it is a restructuring, not a personal matter.

Erik""", to=[marte], cc=[pieter, ingrid], sig=False)

    new("bwq2", gareth, [anna], "Kestrel Bay \u2013 Q2 arrangements", "2014-04-07 10:15", """
Anna,

Attached is the Q2 schedule. The first instalment of \u20ac15,000 is due on 15 April; the tranche for our friend is listed under the usual code. Please make sure Ingrid doesn\u2019t put \u201cport official\u201d anywhere in the payment text again.

Gareth""", sig=False, reply_to=Person("gp", "Gareth Pryce", "gp.bluewater@freemail.example", "", "london", "webmail"),
        atts=[text_att("Bluewater_Q2_schedule.csv",
                       "date;reference;payee_code;amount_eur;memo\n"
                       "2014-04-15;BW-2014-031;BLUEWATER;15000;Q2 port liaison retainer\n"
                       "2014-04-15;BW-2014-031A;SCRIMSHAW;7500;Q2 facilitation - berth 4 priority\n"
                       "2014-05-15;BW-2014-038;BLUEWATER;4200;Travel and expenses\n"
                       "2014-06-13;BW-2014-044A;SCRIMSHAW;7500;Q2 facilitation - second tranche\n",
                       ctype="text/csv")])

    s1 = new("santos1", santos, [anna], "berth 4 schedule may", "2014-04-10 14:02", """
Dear Anna,

for May I can keep berth 4 free for your vessels on the 6th, 13th and 22nd. As agreed with our common friend the rest will be arranged as before. Please use this address only, not the office one.

Aurelio""", cc=[gareth], sig=False)
    s2 = rep("santos2", s1, anna, "2014-04-10 16:30", """
Dear Mr Santos,

Thank you \u2013 the 6th, 13th and 22nd work for us. I\u2019ll send the vessel particulars on Monday.

Kind regards,
Anna""", cc=[gareth, '"Kestrel Bay Harbour Office"'], sig=False)
    rep("santos3", s2, santos, "2014-04-11 09:05", """
Anna, please remove the harbour office from copy. Never copy the office.

A.""", sig=False, limit=4)

    new("renew", erik, [ingrid], "Kestrel Bay contract renewed", "2014-04-15 17:40", """
Ingrid,

Signed this afternoon: five years, with berth 4 priority written into the contract. Please update the forecast and let the bank know.

Erik""", cc=[jonas], sig=False, where=[("maildir", "erik"), ("maildir", "ingrid")])

    d1 = new("dmitri1", dmitri, [jonas], "Дудинка: график на май", "2014-04-22 11:20", """
Йонас, добрый день!

По рейсу в Дудинку: до 20 мая на Енисее нужен ледокол, без него капитан порта не даст разрешение на выход. Стоимость проводки около 1,2 млн рублей.

Предлагаю перенести отход MV Varanger Bay на 24 мая.

С уважением,
Дмитрий""", received=[])
    d2 = rep("dmitri2", d1, jonas, "2014-04-22 13:05", """
Dmitri,

Agreed, move the departure to 24 May. Please send the escort quote in writing so Ingrid can approve it.

Jonas""", limit=1, sig=False)
    rep("dmitri3", d2, dmitri, "2014-04-23 10:00", """
Йонас,

хорошо, письменное предложение пришлю до пятницы.

Дмитрий""", limit=3, received=[])

    new("comp", marte, [erik, ingrid], "Compensation review 2014", "2014-04-28 15:10", """
Erik, Ingrid,

Attached is the draft compensation review for the management group. The proposal keeps the general increase at 3.1% and moves the CEO to the top of the benchmark range. I will turn it into a spreadsheet with the retention plan once you have commented.

Marte""", sig=False, where=[("maildir", "marte"), ("loose",)],
        atts=[text_att("compensation_review_2014_draft.csv",
                       "name,title,department,base_2013_nok,base_2014_nok,change_pct\n"
                       "Erik Halvorsen,CEO,Management,3200000,3450000,7.8\n"
                       "Ingrid Solberg,CFO,Finance,1850000,1920000,3.8\n"
                       "Jonas Brekke,Head of Operations,Operations,1420000,1465000,3.2\n"
                       "Marte Lindqvist,HR Director,HR,1180000,1215000,3.0\n"
                       "Sigrid Naevdal,General Counsel,Legal,1390000,1432000,3.0\n"
                       "Pieter de Vries,Branch Manager Rotterdam,Rotterdam,EUR 118000,EUR 121500,3.0\n",
                       ctype="text/csv")])

    # ---- May ---------------------------------------------------------------
    new("yuki_gw", yuki, [jonas], "ゴールデンウィーク期間中の営業について", "2014-05-01 08:15", """
ブレッケ様

5月3日から6日まで、横浜事務所は休業となります。
緊急の場合は私の携帯までご連絡ください。

MV Hardanger Spirit の書類は5月2日中に提出済みです。

よろしくお願いいたします。""", kind="plain")

    sal1 = new("salary1", marte, [ALLSTAFF], "Fwd: Compensation review 2014", "2014-05-06 16:48", """
Ingrid,

Here is the final version as a spreadsheet, with the retention plan included. The second sheet has the Low Tide names for Bergen and Oslo.

Marte""", sig=False, headers=LIST_INTERNAL, atts=[xlsx_att(
        "Lønnsoversikt_2014.xlsx", "Lønnsoversikt 2014", "Marte Lindqvist", dt.datetime(2014, 5, 6, 14, 30, 0), [
            ("Lønn 2014", [
                ["Navn", "Stilling", "Avdeling", "Grunnlønn NOK", "Bonus NOK", "Merknad"],
                ["Erik Halvorsen", "CEO", "Ledelse", 3450000, 1874500, "Retention plan spinnaker (board approved)"],
                ["Ingrid Solberg", "CFO", "Økonomi", 1920000, 420000, ""],
                ["Jonas Brekke", "Head of Operations", "Drift", 1465000, 310000, ""],
                ["Marte Lindqvist", "HR Director", "HR", 1215000, 180000, ""],
                ["Sigrid Nævdal", "General Counsel", "Juridisk", 1432000, 150000, ""],
                ["Tor Aasen", "HSE Manager", "HMS", 905000, 0, "Bonus withheld 2014"],
                ["Lars Økland", "Terminalsjef Bergen", "Terminal", 980000, 90000, ""],
                ["Anna Kowalski", "Procurement Manager", "Innkjøp", 870000, 60000, ""],
                ["Camille Lefèvre", "Head of Communications", "Kommunikasjon", 940000, 75000, ""],
                ["Henrik Berg", "IT Manager", "IT", 890000, 40000, ""],
            ]),
            ("Low Tide", [
                ["Navn", "Sted", "Funksjon", "Varsel senest"],
                ["Tor Aasen", "Bergen", "HMS", "2014-09-30"],
                ["Kari Nilsen", "Bergen", "Terminal", "2014-09-30"],
                ["Ole Haugland", "Oslo", "Økonomi", "2014-09-30"],
                ["Bente Rasmussen", "Oslo", "Kommunikasjon", "2014-09-30"],
            ]),
        ], rfc2231=True)])
    sal2 = rep("salary2", sal1, olivia, "2014-05-06 08:05", """
Marte, I don't think this was meant for all of us?

Olivia""", to=[marte], sig=False, limit=3)
    rep("salary3", sal2, marte, "2014-05-06 17:20", """
Olivia, no, it was not. Please delete it without opening the attachment. Apologies.

Marte""", sig=False)
    new("salary_it", henrik, [ALLSTAFF], "Please delete: message sent to all-staff in error", "2014-05-06 17:45", """
All,

A message with an attachment was sent to the all-staff list in error at 16:48 today. Please delete it from your inbox and from Deleted Items. I have removed it from the list archive.

Henrik""", headers=LIST_INTERNAL)
    rep("salary4", sal1, pieter, "2014-05-07 09:10", """
Marte,

Too late for most of Rotterdam, I\u2019m afraid \u2013 people have seen the second sheet and the \u201cLow Tide\u201d list. I have three union reps in my office asking whether the \u20ac1.9m severance budget is real. What do I tell them?

Pieter""", to=[marte], sig=False, limit=3)

    n1 = new("nora1", nora, [camille], "Spørsmål om MV Nordkapp Star", "2014-05-20 10:14", """
Hei Camille,

Jeg er journalist i Dagsposten og jobber med en sak om en brann om bord på MV Nordkapp Star i Kestrel Bay i mars. Vi har opplysninger om at en besetningsmann ble skadet, og at hendelsen ikke ble meldt til myndighetene.

Jeg har følgende spørsmål:
1. Stemmer det at det var brann i maskinrommet 14. mars?
2. Ble noen skadet, og i så fall hvor alvorlig?
3. Ble hendelsen meldt til Nordic Maritime Safety Board?

Jeg ønsker svar innen fredag kl. 12.

Vennlig hilsen""", where=[("mbox",), ("loose",)])
    nf = fwd("nora_fwd", n1, camille, [erik], "2014-05-20 10:40", """
Erik,

See below from Dagsposten. We need a line by Thursday.

From what I hear, they have already spoken to crew members in Kestrel Bay. Can we talk today?

Camille""", where=[("mbox",)])
    ne = rep("nora_e", nf, erik, "2014-05-20 11:30", """
Camille,

Our line: a minor technical fault during bunkering, quickly contained, no serious injuries, all procedures followed. Nothing more. Do not confirm any names.

Erik""", sig=False, limit=4)
    rep("nora_c", ne, camille, "2014-05-20 11:52", """
Erik,

I will send it, but I must tell you: if they have crew on record, "no serious injuries" will not hold. I would rather say less than say something that is not true.""", limit=5)
    nr = rep("nora_reply", n1, camille, "2014-05-22 11:45", """
Dear Nora,

Thank you for your questions. On 14 March MV Nordkapp Star experienced a minor technical fault during bunkering in Kestrel Bay. The situation was quickly brought under control by the crew, in line with our procedures. Halvorsen Maritime Logistics takes the safety of its crew very seriously.

We have no further comment at this time.""")
    rep("nora2", nr, nora, "2014-05-22 13:10", """
Hei igjen,

Takk for svaret. Dere svarer ikke på spørsmål 2 og 3. Vi har snakket med to besetningsmedlemmer som bekrefter at oileren Rune Moe lå tre døgn på sykehus. Ønsker dere å kommentere det?

Nora""", sig=False, limit=8)

    # ---- June ------------------------------------------------------------
    t1 = new("ret1", erik, [marte], "Bergen list", "2014-06-03 08:20", """
Marte,

Add Tor Aasen to the Low Tide list for Bergen. The HSE role will be covered by Jonas's team from October.

Erik""", sig=False)
    t2 = rep("ret2", t1, marte, "2014-06-03 10:05", """
Erik,

I have to put this in writing. Tor raised a formal safety objection in March. Dismissing him three months later, as the only named person in a function-level restructuring, carries a serious whistleblower risk. Sigrid should review this before anything is done.

Marte""", sig=False)
    rep("ret3", t2, erik, "2014-06-03 10:40", """
Restructuring is restructuring. Put him on the list.

Erik""", sig=False, nested=True)

    m1 = new("nmsb1", torp, [nmsb], "Report of unreported marine casualty \u2013 MV Nordkapp Star, 14 March 2014",
             "2014-06-16 22:10", """
To the Nordic Maritime Safety Board,

I am the HSE Manager of Halvorsen Maritime Logistics AS. I am reporting a fire in the engine room of MV Nordkapp Star at Kestrel Bay on 14 March 2014, in which a crew member was injured. The company decided not to notify the Board, and the engine log was amended afterwards.

Attached are a timeline and a witness statement. I can provide my original incident report on request. I make this report in good faith and ask that my identity is protected.

Tor Aasen""", sig=False, where=[("loose",)], received=[], atts=[Att(
        "evidence_NKS_2014-03-14.zip", "application/zip", zip_bytes([
            ("timeline.txt", (
                "TIMELINE - MV NORDKAPP STAR, 14-20 MARCH 2014 (T. Aasen)\n\n"
                "14.03 03:10  Fire in engine room during bunkering, Kestrel Bay berth 4.\n"
                "14.03 03:52  Kestrel Point lighthousekeeper logs smoke over berth 4 and phones the harbour office.\n"
                "14.03 06:40  I report the fire to Head of Operations by email.\n"
                "14.03 09:30  CEO instructs: no notification, log as minor technical fault.\n"
                "17.03 07:50  I send my incident report to CEO and Head of Operations, copy General Counsel.\n"
                "18.03        Engine log amended on instruction from the CEO.\n"
                "19.03        Board summary describes the fire as a minor technical fault.\n").encode("utf-8")),
            ("witness_statement_oiler.docx", make_docx(
                "Witness statement", "Tor Aasen", dt.datetime(2014, 6, 15, 20, 5, 0), [
                    "# Witness statement - Able Seaman K. Lunde, MV Nordkapp Star",
                    "I was on anchor and mooring watch on 14 March 2014. At 03:14 the lookout in the crowsnest "
                    "position on the monkey island called out heavy smoke from the funnel casing.",
                    "I saw the oiler Rune Moe carried up from the engine room. His hands were badly burned.",
                    "On 18 March the Master told the crew that the event was to be described as a fuel leak."],
                table=[["Time", "Observation"], ["03:14", "Smoke from funnel casing"],
                       ["03:25", "Oiler carried out of engine room"], ["03:50", "CO2 released"]])),
        ], (2014, 6, 16, 21, 58, 0)))])
    m2 = rep("nmsb2", m1, nmsb, "2014-06-18 09:30", """
Dear Mr Aasen,

We confirm receipt of your report. Case number 2014/3317 has been opened and an inspector will contact you. Your identity will be treated as confidential.""", where=[("loose",)], limit=3)
    rep("nmsb3", m2, torp, "2014-06-18 20:15", """
Thank you. I am available any evening this week.

Tor Aasen""", sig=False, where=[("loose",)], received=[])

    new("oli_jun", olivia, [jonas], "Puget Sound Seafoods \u2013 July sailings", "2014-06-30 19:30", """
Jonas,

Puget Sound Seafoods confirmed two reefer sailings in July, on the 9th and the 23rd. They need 14 plugs each time. Can Lofoten Trader take them, or do we charter space?

Olivia""", cc=[erik], sig=False)

    new("malformed", lars, [jonas], "Kaianlegg - befaring", "2014-06-18 14:05", """
Hei Jonas,

Befaringen av kai 3 er utsatt til neste uke. Stemningen på terminalen er i doldrums etter ryktene om Low Tide, folk spør meg hver dag om de mister jobben.

Hilsen Lars

Sendt fra mobilen""", sig=False, kind="plain", date_raw="onsdag 18. juni 2014 14.05", where=[("loose",)])

    # ---- July -----------------------------------------------------------------
    q1 = new("insp1", nmsb, [erik], "Notice of inspection \u2013 MV Nordkapp Star (case 2014/3317)", "2014-07-02 09:00", """
Halvorsen Maritime Logistics AS
Attn: Chief Executive Officer

The Nordic Maritime Safety Board has received information about a fire on board MV Nordkapp Star on 14 March 2014 which was not notified to the Board.

An unannounced inspection of the vessel and the company's safety management records will take place. You are required to preserve all logs, reports and correspondence concerning the event.""", kind="plain")
    q2 = fwd("insp2", q1, erik, [sigrid], "2014-07-02 09:25", """
Sigrid - who talked? Call me now.""")
    q3 = rep("insp3", q2, sigrid, "2014-07-02 10:05", """
Erik,

Det spiller ingen rolle hvem som har varslet, og vi kan ikke undersøke det: varsleren er beskyttet etter loven. Vi må samarbeide fullt ut med inspeksjonen og legge frem den opprinnelige loggboken.

Sigrid""", sig=False, limit=2)
    rep("insp4", q3, erik, "2014-07-02 10:30", """
Do what you must. But there is no 'original' log.

Erik""", sig=False)

    missing = "<%03x%09x$%08x$%08x$@%s>" % (0x1c2, 0x3f2a9b01d, 0x5b1c9e40, 0x11555ac0, D)
    o1 = Msg("orphan1", gareth, [anna], "Re: Kestrel Bay \u2013 cash delivery", at("2014-07-08 10:30", gareth),
             fill("""Anna,

Understood. I\u2019ll collect the envelope myself on Thursday and take it to our friend. No more bank transfers for the second tranche \u2013 \u201cconsultancy\u201d is getting too visible after the Dagsposten calls.

Gareth""") + "\n\n" + gareth.sig + "\n\n-----Original Message-----\n> Can you handle the July payment differently? Ingrid says the auditors\n> are asking about Bluewater.\n",
             parent=missing, refs=[missing], received=received_for(gareth, anna, at("2014-07-08 10:30", gareth, 0)))
    o1.own_text = fill("""Anna,

Understood. I\u2019ll collect the envelope myself on Thursday and take it to our friend. No more bank transfers for the second tranche \u2013 \u201cconsultancy\u201d is getting too visible after the Dagsposten calls.

Gareth""") + "\n"
    rep("orphan2", o1, anna, "2014-07-08 11:02", """
Gareth,

Never write about this again. Call me.

Anna""", sig=False, limit=3)

    new("q2report", ingrid, [erik], "Q2 financial report", "2014-07-14 16:20", """
Erik,

The Q2 report is attached. Revenue is 4% under budget, mostly Rotterdam. Consultancy costs are 62% over budget because of Bluewater; the auditors have asked for the contract and the invoices.

Ingrid""", sig=False, atts=[pdf_att("Økonomirapport_Q2.pdf", "Økonomirapport Q2 2014", "Ingrid Solberg", [
        "# Halvorsen Maritime Logistics AS - Økonomirapport Q2 2014",
        "",
        "Driftsinntekter Q2:           NOK 212,4 mill. (budsjett 221,3)",
        "Driftsresultat Q2:            NOK 11,8 mill.",
        "Konsulentkostnader:           NOK 3,9 mill. (+62 % mot budsjett)",
        "Likviditet 30.06.2014:        NOK 51,2 mill.",
        "",
        "Kommentar: Avvik skyldes lavere volum i Rotterdam og konsulentavtalen med Bluewater.",
    ], "D:20140714160500+02'00'", rfc2231=True)])

    new("broken", anna, [ingrid], "Scanned receipts \u2013 Kestrel Bay", "2014-07-21 09:35", """
Ingrid,

Scans of the Kestrel Bay receipts are attached. Two of them are just jetsam from the old petty cash box; please ignore those.

Anna""", where=[("maildir", "ingrid")], body=None, atts=[pdf_att(
        "receipts_kestrel_bay.pdf", "Scanned receipts", "Anna Kowalski", [
            "# Receipts - Kestrel Bay, Q2 2014",
            "R-0412  Harbour dues, berth 4 ............ EUR 2,140.00",
            "R-0413  Pilotage ......................... EUR 1,385.00",
            "R-0419  Mooring gang ..................... EUR   620.00",
            "R-0420  Petty cash (no description) ...... EUR 5,000.00",
        ], "D:20140721091000+02'00'")])
    BYKEY["broken"].broken = True

    # ---- August ----------------------------------------------------------
    pb1 = new("pub1", nora, [camille], "Dagsposten publiserer torsdag", "2014-08-05 09:00", """
Hei Camille,

Vi publiserer saken om MV Nordkapp Star torsdag 7. august. Den inneholder opplysninger om brannen, den skadde besetningsmannen, at hendelsen ikke ble meldt, og om betalinger fra Halvorsen Maritime til Bluewater Consulting Ltd.

Dere får en siste mulighet til å kommentere innen onsdag kl. 16.

Nora""", sig=False)
    fwd("pub2", pb1, camille, [erik, sigrid], "2014-08-05 09:20", """
Erik, Sigrid,

This is now about Bluewater too, not only the fire. We need a board call today.

Camille""")
    new("statement", erik, [ALLSTAFF], "Statement regarding today's media reports", "2014-08-07 07:30", "",
        kind="html", headers=LIST_INTERNAL, html=html_page("Statement", """
<p>Dear colleagues,</p>
<p>This morning Dagsposten published an article about an incident on board <b>MV Nordkapp Star</b> in March
and about our consultancy arrangements in Kestrel Bay.</p>
<p>The board has asked an independent law firm to review both matters. We are cooperating fully with the
Nordic Maritime Safety Board. Until the review is complete, please do not comment to the media; refer all
enquiries to Camille Lef&egrave;vre in Communications.</p>
<p>Erik Halvorsen<br>Chief Executive Officer</p>"""))
    new("hold", sigrid, [erik, ingrid, jonas, anna, marte], "Document hold notice: Nordkapp Star / Bluewater",
        "2014-08-12 08:00", """
Til alle mottakere,

Med virkning fra i dag gjelder en plikt til å bevare dokumenter ("legal hold") for all e-post, alle filer og notater som gjelder MV Nordkapp Star, hendelsen 14. mars 2014 og Bluewater Consulting Ltd. Ingenting må slettes eller endres.

English: effective today, a legal hold applies to all email, files and notes concerning MV Nordkapp Star, the incident of 14 March 2014 and Bluewater Consulting Ltd. Nothing may be deleted or altered.""",
        where=[("maildir", "sigrid"), ("mbox",)])

    # ---- September --------------------------------------------------------
    new("marlin", ingrid, [jonas, anna], "Budget 2015 kick-off", "2014-09-08 08:40", """
Jonas, Anna,

The 2015 budget process starts next week. The cost programme will run under the name marlinspike; please use that name in all budget files so we can find them later.

First submissions are due on 3 October.

Ingrid""", sig=False)
    new("resign", camille, [ALLSTAFF], "Leadership changes at Halvorsen Maritime Logistics", "2014-09-01 12:00", "",
        kind="html", headers=LIST_INTERNAL, reply_to="Communications <press@%s>" % D, html=html_page(
            "Leadership changes", """
<p>Dear colleagues,</p>
<p>The board has today accepted the resignation of <b>Erik Halvorsen</b> as Chief Executive Officer with
immediate effect. <b>Ingrid Solberg</b> will serve as acting CEO while the board completes the independent
review.</p>
<p>The restructuring programme is paused. Notices that have not yet been served will not be served.</p>
<p>Bien &agrave; vous,<br>Camille Lef&egrave;vre<br>Head of Communications</p>""", "iso-8859-1"))
    new("export", henrik, [sigrid], "Mailbox export for the external review", "2014-09-15 17:05", """
Sigrid,

The preservation export of the six mailboxes (Halvorsen, Solberg, Brekke, Lindqvist, Aasen, Nævdal) is complete. The maildir copies and the journal archive (mbox) are on the encrypted drive in the legal safe. Loose messages found on the shared drive are in a separate folder.

Henrik""", cc=[kessler])

    # ---- edge case: a draft without a Date header (Thunderbird Drafts) -----
    new("nodate", tor, [nmsb], "Draft: notification of marine casualty", None, """
DRAFT - NOT SENT

Notification of marine casualty: MV Nordkapp Star, Port of Kestrel Bay, 14 March 2014, 03:10 local time.

Fire in the engine room during bunkering. One crew member injured (burns). Debris and flotsam from the burnt lagging were found in the bilge afterwards.

Tor Aasen, HSE Manager""", sig=False, no_date=True, where=[("loose",)],
        headers=["X-Mozilla-Draft-Info: internal/draft; vcard=0; receipt=0; DSN=0; uuencode=0"])


# ---------------------------------------------------------------------------
# routine traffic (filler), generated from templates with the seeded RNG
# ---------------------------------------------------------------------------

MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September"]
VESSELS = ["MV Hardanger Spirit", "MV Lofoten Trader", "MV Skagerrak Dawn", "MV Varanger Bay", "MV Sognefjord"]
SUPPLIERS = ["Vestland Marine Supply", "Nordic Ropes AS", "Hansa Spare Parts GmbH", "Maas Bunkering B.V.",
             "Kystlink Catering", "Polar Paints AS", "Fjordtek Hydraulics"]
ITEMS = ["mooring ropes (8 x 220 m)", "hydraulic pump seals", "antifouling paint, 1,200 l",
         "galley provisions for two rotations", "spare injectors for aux engines", "life raft servicing"]
CUSTOMERS = ["Cascade Timber Exports", "Puget Sound Seafoods", "Olympic Paper Co.", "Rainier Machinery Inc."]
_fn = [0]


def fkey():
    _fn[0] += 1
    return "f%03d" % _fn[0]


def later(d, person, minutes):
    u = d.astimezone(dt.timezone.utc) + dt.timedelta(minutes=minutes)
    guess = (u + dt.timedelta(hours=1)).replace(tzinfo=None)
    off = tz_hours(person.zone, guess)
    loc = u.astimezone(dt.timezone(dt.timedelta(hours=off)))
    return loc.replace(second=rng.randint(0, 59))


def slot(day, lo=8, hi=16):
    return "%s %02d:%02d" % (day.strftime("%Y-%m-%d"), rng.randint(lo, hi), rng.randint(0, 59))


def position_csv(day):
    rows = ["vessel,lat,lon,speed_kn,status,next_port,eta_utc"]
    ports = ["Bergen", "Rotterdam", "Hamburg", "Kestrel Bay", "Aberdeen", "Antwerp"]
    for v in VESSELS:
        rows.append("%s,%.3f,%.3f,%.1f,%s,%s,%s" % (
            v, rng.uniform(50, 64), rng.uniform(-4, 12), rng.uniform(0, 14.5),
            rng.choice(["under way", "at anchor", "alongside"]), rng.choice(ports),
            (day + dt.timedelta(days=rng.randint(1, 6))).strftime("%Y-%m-%dT%H:00Z")))
    return "\n".join(rows) + "\n"


def f_eta(day):
    s = rng.choice([jonas, lars, pieter])
    v = rng.choice(VESSELS)
    t = "%02d:%02d" % (rng.randint(0, 23), rng.choice([0, 10, 20, 30, 40, 50]))
    if s is lars:
        to, cc, subj = [jonas], [tor], "%s - ankomst Bergen" % v
        text = ("Hei Jonas,\n\n%s la til kai %d i Bergen i dag kl. %s. Lossing av %d containere pågår og er ventet "
                "ferdig i morgen tidlig. Kran 2 går fortsatt med redusert kapasitet, så vi ligger ca. %d timer bak "
                "planen.\n\nHilsen Lars" % (v, rng.randint(1, 4), t, rng.randint(80, 260), rng.randint(2, 9)))
        sig = False
    elif s is pieter:
        to, cc, subj = [jonas], [anna], "%s \u2013 Rotterdam call" % v
        text = ("Hi Jonas,\n\n%s arrived at Waalhaven at %s. Port costs so far are \u20ac%s. The agent has added an "
                "\u201cearly departure\u201d fee again \u2013 that\u2019s the %s time this quarter. Can you check "
                "the contract?" % (v, t, "{:,}".format(rng.randint(8, 40) * 1000 + rng.randint(0, 999)),
                                  rng.choice(["second", "third", "fourth"])))
        sig = True
    else:
        to, cc, subj = [lars, pieter], [anna], "ETA update: %s" % v
        text = ("Hi all,\n\n%s departed %s at %s today. ETA %s on %s around %02d:00 local. Cargo: %d TEU including "
                "%d reefers. Pilot and linesmen are booked.\n\nPlease update the berth plan.\n\nJonas"
                % (v, rng.choice(["Bergen", "Rotterdam", "Hamburg", "Aberdeen"]), t,
                   rng.choice(["Rotterdam", "Bergen", "Antwerp", "Kestrel Bay"]),
                   rng.choice(["Tuesday", "Wednesday", "Thursday", "Friday"]), rng.randint(6, 20),
                   rng.randint(90, 420), rng.randint(0, 24)))
        sig = False
    atts = []
    if rng.random() < 0.4:
        atts = [text_att("position_report_%s.csv" % day.strftime("%Y-w%V"), position_csv(day), ctype="text/csv",
                         client_b64=(s.client == "outlook"))]
    m = new(fkey(), s, to, subj, slot(day, 7, 17), text, cc=cc, atts=atts, sig=sig)
    if rng.random() < 0.35:
        r = to[0]
        txt = {"jonas": "Thanks, noted.\n\nJonas", "lars": "Takk, notert. Vi gjør klar kai 2.\n\nLars",
               "pieter": "Noted \u2013 berth plan updated.\n\nPieter"}[r.key]
        rep(fkey(), m, r, later(m.date, r, rng.randint(20, 240)), txt, sig=False, limit=6)


def f_meeting(day, wk):
    topics = ["Kestrel Bay berth plan", "crane 2 repairs in Bergen", "summer crewing", "bunker price hedge",
              "ISM audit preparations", "reefer plug capacity", "Rotterdam warehouse lease", "IT: new fleet tracker"]
    m = new(fkey(), jonas, [erik, ingrid, lars, pieter, anna, tor],
            "Weekly operations meeting \u2013 week %d" % wk, slot(day, 8, 10), """
Hi all,

Agenda for Thursday 09:00 (Bergen meeting room 2, video for Rotterdam):

1. Safety moment (%s)
2. Fleet status and berth plan
3. %s
4. AOB

Jonas""" % (rng.choice(["Tor", "Lars", "Anna", "Pieter"]), rng.choice(topics)), sig=False)
    if rng.random() < 0.45:
        r1 = rep(fkey(), m, pieter, later(m.date, pieter, rng.randint(30, 300)),
                 "I\u2019ll dial in from Rotterdam \u2013 could you resend the bridge number?\n\nPieter", sig=False)
        rep(fkey(), r1, jonas, later(r1.date, jonas, rng.randint(10, 90)),
            "Same as always: +47 55 00 12 34, PIN 4411.\n\nJonas", sig=False, nested=True)


def f_monthend(day, month):
    mn = MONTH_NAMES[month - 1]
    m = new(fkey(), ingrid, [anna, marte, jonas], "Month-end close %s 2014" % mn, slot(day, 8, 11), """
Hi all,

The %s close starts on %s. Please send accruals and open purchase orders by 12:00 on working day 2. Intercompany invoices from Rotterdam must be booked in EUR.

Thanks,
Ingrid""" % (mn, day.strftime("%d %B").lstrip("0")), sig=False)
    x = rng.randint(150, 320) * 1000 + rng.randint(0, 999)
    acc = "account;description;amount_eur\n6100;Bunker costs;%d\n6210;Port dues;%d\n6330;Spare parts;%d\n6540;Consultancy;%d\n" % (
        x, rng.randint(20, 60) * 1000, rng.randint(5, 30) * 1000, rng.randint(1, 9) * 1000)
    rep(fkey(), m, anna, later(m.date, anna, rng.randint(600, 2000)), """
Ingrid,

Accruals for %s attached. The largest item is bunker costs at \u20ac%s; the \u201cPort dues\u201d line includes Rotterdam and Kestrel Bay.

Anna""" % (mn, "{:,}".format(x)), sig=False, limit=3,
        atts=[text_att("accruals_%s_2014.csv" % mn.lower()[:3], acc, ctype="text/csv")])


def f_po(day):
    n = rng.randint(1000, 9999)
    sup, item = rng.choice(SUPPLIERS), rng.choice(ITEMS)
    amt = rng.randint(3, 90) * 1000 + rng.randint(0, 999)
    atts = []
    if rng.random() < 0.5:
        atts = [pdf_att("PO_4500%04d.pdf" % n, "Purchase order 4500%04d" % n, "Anna Kowalski", [
            "# Halvorsen Maritime Logistics AS - Purchase Order 4500%04d" % n,
            "Supplier: %s" % sup,
            "Item: %s" % item,
            "Amount: EUR %s" % "{:,}".format(amt),
            "Delivery: %s" % rng.choice(["Bergen terminal", "Rotterdam Waalhaven", "Kestrel Bay, berth 4"]),
            "Payment terms: 30 days net",
        ], "D:%s090000+01'00'" % day.strftime("%Y%m%d"))]
    m = new(fkey(), anna, [jonas], "PO 4500%04d \u2013 %s" % (n, sup), slot(day), """
Jonas,

Please approve PO 4500%04d to %s for %s, total \u20ac%s. Their quote is valid until Friday.

Thanks,
Anna""" % (n, sup, item, "{:,}".format(amt)), sig=False, atts=atts)
    if rng.random() < 0.5:
        rep(fkey(), m, jonas, later(m.date, jonas, rng.randint(30, 600)), "Approved.\n\nJonas", sig=False, limit=5)


def f_sales(day):
    cust = rng.choice(CUSTOMERS)
    lane = rng.choice(["Seattle - Yokohama", "Seattle - Bergen", "Vancouver - Rotterdam", "Tacoma - Hamburg"])
    rate = rng.randint(18, 36) * 100
    atts = []
    if rng.random() < 0.4:
        atts = [xlsx_att("Quote_%s.xlsx" % cust.split()[0], "Rate quote %s" % cust, "Olivia Grant",
                         dt.datetime(day.year, day.month, day.day, 17, 0, 0), [("Quote", [
                             ["Lane", "Equipment", "Rate USD", "Validity"],
                             [lane, "40' dry", rate, "30 days"],
                             [lane, "40' reefer", rate + 1450, "30 days"],
                             ["Bunker surcharge", "per FEU", 310, "monthly"]])])]
    m = new(fkey(), olivia, [erik, jonas], "%s \u2013 %s quote" % (cust, lane), slot(day, 8, 16), """
Hi Erik, Jonas,

%s has asked for rates on %s for the next quarter. I propose USD %s per FEU, which keeps us below the competing offer. Volume estimate: %d FEU per month.

Let me know if I can go ahead.

Olivia""" % (cust, lane, "{:,}".format(rate), rng.randint(8, 40)), sig=False, atts=atts)
    if rng.random() < 0.45:
        rep(fkey(), m, jonas, later(m.date, jonas, rng.randint(200, 900)),
            "Olivia,\n\nCapacity is fine on that lane. Go ahead.\n\nJonas", to=[olivia], cc=[erik], sig=False)


def f_legal(day):
    sup = rng.choice(SUPPLIERS)
    m = new(fkey(), sigrid, [anna], "Kontraktsgjennomgang: %s" % sup, slot(day), """
Hei Anna,

Jeg har gått gjennom utkastet til rammeavtale med %s. Ansvarsbegrensningen i punkt 9 er for lav, og lovvalg må være norsk rett med verneting i Bergen. Jeg sender mine endringer i løpet av dagen.

Sigrid""" % sup, sig=False)
    if rng.random() < 0.5:
        rep(fkey(), m, anna, later(m.date, anna, rng.randint(60, 400)),
            "Thanks Sigrid \u2013 I\u2019ll push back on clause 9 and insist on Norwegian law.\n\nAnna",
            sig=False, limit=4)


CAMILLE_TOPICS = ["new terminal photos", "the Rotterdam open day", "our safety record", "the summer issue",
                  "the crew welfare fund", "the new fleet tracker", "the Yokohama office", "the autumn issue"]


def f_camille(day, i):
    topic = CAMILLE_TOPICS[i % len(CAMILLE_TOPICS)]
    atts = []
    if i % 2 == 0:
        atts = [docx_att("Newsletter_draft_%s.docx" % day.strftime("%Y-%m"), "HML newsletter draft", "Camille Lefèvre",
                         dt.datetime(day.year, day.month, day.day, 9, 0, 0), [
                             "# Halvorsen Maritime News - draft",
                             "Lead story: %s." % topic.capitalize(),
                             "Photo credits: HML Communications.",
                             "Deadline for comments: Friday 12:00."])]
    m = new(fkey(), camille, [erik], "Newsletter draft \u2013 %s" % MONTH_NAMES[day.month - 1], slot(day), """
Erik,

Here is the draft of the internal newsletter for %s. The lead story is about %s. Could you send me two lines for the CEO column by Thursday?""" % (
        MONTH_NAMES[day.month - 1], topic), atts=atts)
    if rng.random() < 0.5:
        rep(fkey(), m, erik, later(m.date, erik, rng.randint(60, 600)),
            "Camille,\n\nFine, go ahead. I will send the CEO lines tomorrow.\n\nErik", sig=False, limit=3)


def f_hse(day, month):
    mn = MONTH_NAMES[month - 1]
    lti = 1 if month == 3 else 0
    stats = ("HSE MONTHLY STATISTICS - %s 2014\n\nLost-time injuries:        %d\nMedical treatment cases:   %d\n"
             "Near misses reported:      %d\nSafety observations:       %d\nDrills held (fleet):       %d\n"
             % (mn.upper(), lti, rng.randint(0, 2), rng.randint(3, 14), rng.randint(20, 60), rng.randint(6, 15)))
    new(fkey(), tor, [jonas, marte], "HSE statistics %s 2014" % mn, slot(day), """
Jonas, Marte,

Monthly HSE statistics for %s are attached.%s

Tor""" % (mn, " The lost-time injury is the Nordkapp Star event; see my separate report." if lti else ""),
        sig=False, atts=[text_att("HSE_stats_2014-%02d.txt" % month, stats, client_b64=False)])


HR_TOPICS = [
    ("Welcome to our new colleague in Bergen", "Please welcome Kari Nilsen, who joins the Bergen terminal team as "
     "shift supervisor from Monday. Say hello in the canteen!"),
    ("Summer holiday planning 2014", "Please register your summer holiday in the HR portal by 15 May. Each "
     "department must keep minimum staffing in weeks 28 to 31."),
    ("Reminder: timesheets", "Timesheets for last month must be approved by your manager by Wednesday. Overtime "
     "that is not approved will not be paid this month."),
    ("Summer party 20 June", "This year's summer party is on Friday 20 June at Bryggen. Rotterdam and Murmansk will "
     "have their own events; Erik will join by video."),
    ("New travel policy", "From 1 August all travel must be booked through the travel portal. Business class is "
     "only allowed for flights longer than eight hours."),
    ("Flu vaccination", "The company doctor offers free flu vaccination in Bergen and Oslo in October. Sign up in "
     "the HR portal."),
]


def f_hr(day, i):
    subj, body = HR_TOPICS[i % len(HR_TOPICS)]
    new(fkey(), marte, [ALLSTAFF], subj, slot(day), "Dear all,\n\n%s\n\nBest regards,\nMarte" % body,
        sig=False, headers=LIST_INTERNAL)


IT_TOPICS = [
    ("Planned maintenance: email server on Saturday", "html",
     "The email server will be unavailable on Saturday from 20:00 to 23:00 while we install updates. Webmail and "
     "mobile mail will also be down."),
    ("Password expiry: change your password before Friday", "plain",
     "Windows passwords expire on Friday. Press Ctrl+Alt+Del and choose 'Change a password'. The new password "
     "must have at least 10 characters."),
    ("Phishing warning: fake courier invoices", "html",
     "We have received several emails with fake courier invoices. Do not open the attachments. Forward suspicious "
     "emails to the IT helpdesk and delete them."),
    ("New VPN client for remote access", "plain-undisclosed",
     "The old VPN client will stop working on 30 June. The new client is installed automatically the next time you "
     "connect in the office."),
    ("Printer on the 3rd floor replaced", "plain",
     "The printer on the 3rd floor in Bergen has been replaced. It is called BGN-PRN-03 and is added to all laptops "
     "automatically."),
    ("Planned maintenance: file server on Sunday", "html",
     "The file server will be unavailable on Sunday from 08:00 to 12:00. Save your work and close all documents "
     "on the shared drive before you leave on Friday."),
]


def f_it(day, i):
    subj, kind, body = IT_TOPICS[i % len(IT_TOPICS)]
    if kind == "html":
        html = html_page(subj, "<p>Hi all,</p>\n<p>%s</p>\n<p>Regards,<br>Henrik Berg<br>IT Manager</p>" % xesc(body))
        new(fkey(), henrik, [ALLSTAFF], subj, slot(day), "", kind="html", html=html, headers=LIST_INTERNAL)
    elif kind == "plain-undisclosed":
        new(fkey(), henrik, ["undisclosed-recipients:;"], subj, slot(day), "Hi all,\n\n%s\n\nHenrik" % body)
    else:
        new(fkey(), henrik, [ALLSTAFF], subj, slot(day), "Hi all,\n\n%s\n\nHenrik" % body, headers=LIST_INTERNAL)


YUKI_MSGS = [
    ("通関書類の件", """ブレッケ様

MV Hardanger Spirit の通関書類について、インボイスの原本がまだ届いておりません。
税関から金曜日までに提出するよう求められています。
至急ご手配いただけますでしょうか。

よろしくお願いいたします。""", None),
    ("6月分の請求書について", """ブレッケ様

6月分の代理店手数料の請求書を添付いたします。
金額は前月と同じく 1,850,000 円です。

ご確認のほど、よろしくお願いいたします。""", "invoice"),
    ("台風8号による影響", """ブレッケ様

台風8号の接近により、横浜港は明日午後から閉鎖される見込みです。
MV Lofoten Trader の着岸は1日程度遅れる可能性があります。
状況が分かり次第、またご連絡いたします。

よろしくお願いいたします。""", None),
]

DMITRI_MSGS = [
    ("Смена экипажа MV Varanger Bay", """Йонас, добрый день!

Смена экипажа на MV Varanger Bay пройдет в Мурманске 12 июня. Визы для двух новых членов экипажа еще не готовы, консульство обещает до пятницы.

Дмитрий""", None),
    ("Счет за стоянку, Мурманск", """Йонас,

во вложении протокол осмотра судна и счет порта за стоянку в мае. Сумма 412 000 рублей, оплата до 30 июня.

Дмитрий""", "protocol"),
    ("Ледовая обстановка, Карское море", """Йонас,

по данным штаба морских операций, Карское море будет свободно ото льда примерно с 10 июля. Рейс в Дудинку в июле можно планировать без проводки.

Дмитрий""", None),
]


def f_yuki(day, i):
    subj, text, att = YUKI_MSGS[i]
    atts = []
    if att == "invoice":
        atts = [pdf_att("Yokohama_agency_invoice_2014-06.pdf", "Agency invoice June 2014", "Yuki Tanaka", [
            "# HML Yokohama Office - Agency Invoice 2014-06",
            "Agency fee, June 2014 ............ JPY 1,850,000",
            "Payable to: Halvorsen Maritime Logistics AS, Yokohama branch",
        ], "D:%s100000+09'00'" % day.strftime("%Y%m%d"))]
    new(fkey(), yuki, [jonas], subj, slot(day, 9, 17), text, kind="plain", atts=atts)


def f_dmitri(day, i):
    subj, text, att = DMITRI_MSGS[i]
    atts = []
    if att == "protocol":
        atts = [text_att("Протокол_осмотра.txt", "ПРОТОКОЛ ОСМОТРА СУДНА\nСудно: MV Varanger Bay\nПорт: Мурманск\n"
                         "Замечаний нет. Стоянка: 14 суток.\nИнспектор: С. Петров\n",
                         charset="koi8-r", rfc2231=True, tb_name=True)]
    new(fkey(), dmitri, [jonas], subj, slot(day, 9, 17), text, kind="plain", atts=atts, received=[],
        headers=[])


def f_bank(day, i):
    ref = "NB%08d" % rng.randint(10 ** 7, 10 ** 8 - 1)
    amt = rng.choice(["EUR 15,000.00", "EUR 4,200.00", "NOK 1,245,000.00", "USD 38,400.00"])
    html = html_page("Payment confirmation", """
<table width="600" cellpadding="8" style="border:1px solid #1b4f72">
<tr><td style="background:#1b4f72;color:#fff"><b>Nordfjord Bank</b> Corporate Online</td></tr>
<tr><td>
<p>Your payment has been executed.</p>
<table cellpadding="3">
<tr><td>Reference</td><td>%s</td></tr>
<tr><td>Amount</td><td>%s</td></tr>
<tr><td>Debit account</td><td>Halvorsen Maritime Logistics AS, operating account</td></tr>
<tr><td>Execution date</td><td>%s</td></tr>
</table>
<p style="font-size:11px;color:#666">This is an automatically generated message. Please do not reply.</p>
</td></tr></table>""" % (ref, amt, day.strftime("%d.%m.%Y")))
    new(fkey(), bank, [ingrid], "Payment confirmation %s" % ref, slot(day, 6, 22), "", kind="html", html=html,
        headers=["Auto-Submitted: auto-generated", "X-Mailer: NordfjordBank Notification Service 4.2"])


DIGEST_ISSUES = [
    ("Maritime Safety Digest #41: bunkering fires", [
        ("Bunkering fires on the rise", "Insurers report more engine room fires during bunkering. Most start when "
         "fuel sprays from a failed flange onto an unshielded hot surface."),
        ("Port state control campaign", "The autumn concentrated inspection campaign will focus on fire safety "
         "systems and crew familiarisation.")]),
    ("Maritime Safety Digest #42: deck equipment", [
        ("Halyard failures on supply vessels", "Two recent accidents involved a halyard parting under load on the "
         "signal mast. Inspect wire and sheaves at every monthly maintenance round."),
        ("Mooring line snap-back", "New guidance on marking snap-back zones on mooring decks.")]),
    ("Maritime Safety Digest #43: reporting culture", [
        ("Why casualties go unreported", "A survey of 400 seafarers found that one in five had seen an incident "
         "that was never reported to the flag state."),
        ("Whistleblower protection at sea", "An overview of the protection available to crew members who report "
         "safety concerns.")]),
]


def f_digest(day, i):
    subj, items = DIGEST_ISSUES[i]
    body = "".join("<h2 style=\"font-size:16px\">%s</h2>\n<p>%s</p>\n" % (xesc(t), xesc(b)) for t, b in items)
    html = html_page(subj, "<h1 style=\"font-size:20px\">%s</h1>\n%s<hr>\n<p style=\"font-size:11px\">You receive "
                     "this newsletter because you subscribed as %s. <a href=\"https://lists.maritime-safety-digest."
                     "example/unsubscribe\">Unsubscribe</a></p>" % (xesc(subj), body, tor.addr))
    new(fkey(), digest, [tor], subj, slot(day, 5, 7), "", kind="html", html=html, headers=list_digest(),
        reply_to="Maritime Safety Digest <no-reply@lists.maritime-safety-digest.example>")


def filler():
    start = dt.date(2014, 2, 3)
    seen_months = set()
    hr_i = it_i = cam_i = 0
    special = {3: ("yuki", 0), 6: ("dmitri", 0), 9: ("bank", 0), 11: ("digest", 0), 14: ("yuki", 1),
               17: ("dmitri", 1), 19: ("bank", 1), 21: ("digest", 1), 22: ("yuki", 2), 23: ("dmitri", 2),
               27: ("bank", 2), 29: ("digest", 2)}
    for w in range(34):
        monday = start + dt.timedelta(weeks=w)
        day = lambda: monday + dt.timedelta(days=rng.randint(0, 4))
        wk = int(monday.strftime("%V"))
        if monday.month not in seen_months:
            seen_months.add(monday.month)
            f_monthend(monday + dt.timedelta(days=rng.randint(0, 1)), monday.month)
            f_hse(monday + dt.timedelta(days=rng.randint(1, 3)), monday.month - 1)
            f_camille(day(), cam_i)
            cam_i += 1
        if w % 2 == 0:
            f_eta(day())
        if w % 3 == 1:
            f_meeting(monday, wk)
        if w % 4 == 2:
            f_po(day())
        if w % 4 == 3:
            f_sales(day())
        if w % 6 == 5:
            f_legal(day())
        if w % 5 == 0:
            f_hr(day(), hr_i)
            hr_i += 1
        if w % 5 == 2:
            f_it(day(), it_i)
            it_i += 1
        if w in special:
            kind, i = special[w]
            {"yuki": f_yuki, "dmitri": f_dmitri, "bank": f_bank, "digest": f_digest}[kind](day(), i)


# ---------------------------------------------------------------------------
# standalone documents under files/
# ---------------------------------------------------------------------------


def standalone_files():
    files = {}
    files["files/Kestrel_Bay_berth_agreement_2014.pdf"] = make_pdf(
        "Berth agreement 2014", "Port of Kestrel Bay", [
            "# PORT OF KESTREL BAY - PRIORITY BERTH AGREEMENT 2014-2019",
            "Between the Port of Kestrel Bay Harbour Office and Halvorsen Maritime Logistics AS.",
            "",
            "1. The Port grants priority use of berth 4 on the days listed in Schedule A.",
            "2. Annex Sextant: liaison services are provided by Bluewater Consulting Ltd.",
            "3. Term: five years from 15 April 2014.",
            "",
            "Signed for Halvorsen Maritime Logistics AS: Erik Halvorsen",
        ], "D:20140415163000+02'00'")
    files["files/Fleet_Safety_Policy_rev7.docx"] = make_docx(
        "Fleet Safety Policy rev. 7", "Tor Aasen", dt.datetime(2013, 11, 4, 10, 0, 0), [
            "# Fleet Safety Policy - revision 7",
            "4.1 Every fire, injury or near miss shall be reported to the HSE Manager without delay.",
            "4.2 Marine casualties shall be notified to the flag state and to the Nordic Maritime Safety Board "
            "within 72 hours. No manager may instruct otherwise.",
            "4.3 Mooring and capstan operations require a toolbox talk before each call."],
        table=[["Event", "Notify", "Deadline"], ["Fire on board", "Flag state, NMSB", "72 hours"],
               ["Personal injury", "Flag state, NMSB", "72 hours"], ["Near miss", "HSE Manager", "24 hours"]])
    files["files/Crew_overtime_2014.xlsx"] = make_xlsx(
        "Crew overtime 2014", "Jonas Brekke", dt.datetime(2014, 6, 30, 15, 0, 0), [
            ("Overtime", [["Vessel", "Month", "Hours", "Reason"],
                          ["MV Nordkapp Star", "2014-03", 412, "Engine room clean-up after incident"],
                          ["MV Lofoten Trader", "2014-04", 96, "Windlass repair at anchor"],
                          ["MV Skagerrak Dawn", "2014-05", 64, "Berth waiting, Kestrel Bay"]])])
    files["files/bluewater_payments_ledger.csv"] = (
        "posting_date,voucher,account,counterparty,amount_eur,text\n"
        "2014-03-03,V-10233,6540,Bluewater Consulting Ltd,15000.00,BW-2014-007 port liaison Q1\n"
        "2014-03-03,V-10234,6540,Bluewater Consulting Ltd,7500.00,BW-2014-007A hawser project\n"
        "2014-04-15,V-10871,6540,Bluewater Consulting Ltd,15000.00,BW-2014-031 port liaison Q2\n"
        "2014-04-15,V-10872,6540,Bluewater Consulting Ltd,7500.00,BW-2014-031A facilitation\n"
        "2014-05-15,V-11206,6540,Bluewater Consulting Ltd,4200.00,BW-2014-038 travel\n").encode("ascii")
    files["files/intranet_hse_news.html"] = html_page("HSE news", """
<h1>HSE news - spring 2014</h1>
<p>The Binnacle award for the safest vessel of 2013 goes to the crew of MV Lofoten Trader.</p>
<p>Reminder from the HSE team in Bergen: report every incident, however small. Rapportér alltid!</p>
<p>Contact: Tor Aasen, HSE Manager</p>""", "utf-8").encode("utf-8")
    files["files/board_pack_march.zip"] = zip_bytes([
        ("Board_minutes_2014-03-27.docx", make_docx(
            "Board minutes 27 March 2014", "Sigrid Nævdal", dt.datetime(2014, 3, 27, 18, 0, 0), [
                "# Minutes of the board meeting, 27 March 2014",
                "1. The CEO presented the March summary. The board noted the minor technical fault on MV Nordkapp Star.",
                "2. The board approved the bollard replacement programme for the Bergen terminal.",
                "3. The board approved the Kestrel Bay renewal mandate."],
            table=[["Item", "Decision"], ["Kestrel Bay renewal", "Approved"], ["Bergen quay works", "Approved"]]))],
        (2014, 3, 28, 9, 0, 0))
    return files


STANDALONE_WORDS = [
    ("sextant", "files/Kestrel_Bay_berth_agreement_2014.pdf", "standalone PDF (page text)"),
    ("capstan", "files/Fleet_Safety_Policy_rev7.docx", "standalone DOCX (body paragraph)"),
    ("windlass", "files/Crew_overtime_2014.xlsx", "standalone XLSX (shared string in sheet 'Overtime')"),
    ("hawser", "files/bluewater_payments_ledger.csv", "standalone CSV"),
    ("binnacle", "files/intranet_hse_news.html", "standalone HTML page"),
    ("bollard", "files/board_pack_march.zip", "DOCX Board_minutes_2014-03-27.docx inside standalone ZIP"),
]

PLANTED = [
    ("bunkerfuel", "PDF attachment Incident_Report_NKS_2014-03-14.pdf (page text)", ["report1"]),
    ("gangplank", "DOCX attachment Operation_Low_Tide_outline.docx, inside a table cell", ["lowtide1"]),
    ("lowwatermark", "DOCX attachment Operation_Low_Tide_outline.docx, body paragraph", ["lowtide1"]),
    ("spinnaker", "XLSX attachment Lønnsoversikt_2014.xlsx (RFC 2231 filename), sheet 'Lønn 2014'", ["salary1"]),
    ("scrimshaw", "CSV attachment Bluewater_Q2_schedule.csv", ["bwq2"]),
    ("foghorn", "TXT attachment bridge_log_extract_2014-03-14.txt", ["log2"]),
    ("lighthousekeeper", "timeline.txt inside ZIP attachment evidence_NKS_2014-03-14.zip", ["nmsb1"]),
    ("crowsnest", "witness_statement_oiler.docx inside ZIP attachment evidence_NKS_2014-03-14.zip", ["nmsb1"]),
    ("grapnel", "body of the attached message/rfc822 (forwarded board summary)", ["kessler1"]),
    ("davitcrane", "text/html-only body (table cell)", ["davit"]),
    ("marlinspike", "multipart/alternative: both the text/plain and the text/html part", ["marlin"]),
    ("sweetener", "windows-1252 8bit body, between curly quotes (0x93/0x94)", ["berth3"]),
    ("kjølhaling", "ISO-8859-1 quoted-printable body (raw bytes read kj=F8lhaling)", ["report4"]),
    ("ледокол", "KOI8-R base64 body", ["dmitri1"]),
    ("錨泊", "Shift_JIS base64 body", ["yuki1"]),
    ("Sjøforklaring", "RFC 2047 ISO-8859-1 Q-encoded Subject only (not in the body)", ["sjo"]),
    ("jetsam", "text part of the message whose multipart has no closing boundary", ["broken"]),
    ("flotsam", "body of the draft that has no Date header", ["nodate"]),
    ("doldrums", "body of the message with a malformed Date header", ["malformed"]),
    ("halyard", "text/html-only mailing-list newsletter (Maritime Safety Digest #42)", ["@digest42"]),
]


# ---------------------------------------------------------------------------
# placement
# ---------------------------------------------------------------------------

prng = random.Random(SEED + 1)


def owners_of(m):
    res = []
    if m.sender.owner:
        res.append(m.sender)
    for a in m.to + m.cc + m.bcc:
        if isinstance(a, Person) and a.owner:
            res.append(a)
        elif isinstance(a, str) and (a == ALLSTAFF or a.startswith("undisclosed")):
            res.extend(OWNERS)
    out = []
    for p in res:
        if p not in out:
            out.append(p)
    return out


def utc(d):
    return d.astimezone(dt.timezone.utc)


def slug(s):
    import unicodedata
    a = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    a = re.sub(r"[^A-Za-z0-9]+", "_", a).strip("_")
    return a[:48] or "message"


def place():
    for m in MSGS:
        if m.where:
            specs = list(m.where)
        else:
            owners = owners_of(m)
            r = prng.random()
            if owners and r < 0.62:
                specs = [("maildir", prng.choice(owners).key)]
            elif r < 0.86:
                specs = [("mbox",)]
            else:
                specs = [("loose",)]
        m.specs = specs
    # which maildir messages are unread (new/)
    for m in MSGS:
        m.sub = {}
        for sp in m.specs:
            if sp[0] != "maildir":
                continue
            owner = sp[1]
            unread = (m.sender.key != owner and m.date is not None and
                      (utc(m.date) >= dt.datetime(2014, 9, 10, tzinfo=dt.timezone.utc) or prng.random() < 0.04))
            m.sub[owner] = "new" if unread else "cur"
    for p in OWNERS:
        mine = [m for m in MSGS if p.key in m.sub]
        if not any(m.sub[p.key] == "new" for m in mine):
            cand = [m for m in mine if m.sender is not p]
            cand.sort(key=lambda m: utc(m.date))
            cand[-1].sub[p.key] = "new"


def maildir_name(m, owner, sub):
    size = len(m.raw)
    wsize = size + m.raw.count(b"\n")
    epoch = int(m.date.timestamp()) + prng.randint(1, 30)
    base = "%d.M%06dP%d.mx1,S=%d,W=%d" % (epoch, prng.randint(0, 999999), prng.randint(1000, 32000), size, wsize)
    if sub == "new":
        return base
    replied = any(x.parent is m and x.sender.key == owner for x in MSGS)
    flags = ("R" if replied else "") + "S"
    if prng.random() < 0.08:
        flags = "F" + flags
    return base + ":2," + flags


def mbox_escape(raw):
    out = []
    for line in raw.split(b"\n"):
        if re.match(rb"^>*From ", line):
            line = b">" + line
        out.append(line)
    return b"\n".join(out)


def write_all():
    if OUT.exists():
        shutil.rmtree(OUT)
    files = {}
    for p in OWNERS:
        files["maildir/%s/tmp/.gitkeep" % p.mailbox] = b""
    mbox_msgs = []
    used = set()
    for m in MSGS:
        m.locations = []
        for sp in m.specs:
            if sp[0] == "maildir":
                owner = BYKEY_P[sp[1]]
                sub = m.sub[sp[1]]
                path = "maildir/%s/%s/%s" % (owner.mailbox, sub, maildir_name(m, sp[1], sub))
                files[path] = m.raw
                m.locations.append(path)
            elif sp[0] == "loose":
                stem = ("%s_%s" % (m.date.strftime("%Y%m%d-%H%M"), slug(m.subject))
                        if (m.date and not m.no_date) else "undated_" + slug(m.subject))
                name, n = stem, 2
                while name in used:
                    name, n = "%s_%d" % (stem, n), n + 1
                used.add(name)
                path = "loose/%s.eml" % name
                files[path] = m.raw
                m.locations.append(path)
            else:
                mbox_msgs.append(m)
    mbox_msgs.sort(key=lambda m: (utc(m.date), m.mid))
    chunks = []
    for i, m in enumerate(mbox_msgs, 1):
        chunks.append(("From %s %s\n" % (m.sender.addr, asctime_utc(m.date))).encode() + mbox_escape(m.raw) + b"\n")
        m.locations.append("mbox/archive-2014.mbox#%d" % i)
    files["mbox/archive-2014.mbox"] = b"".join(chunks)
    files.update(STANDALONE)
    for rel, data in sorted(files.items()):
        p = OUT / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return files, mbox_msgs


BYKEY_P = {p.key: p for p in PEOPLE}


# ---------------------------------------------------------------------------
# expected.json
# ---------------------------------------------------------------------------


def walk_nodes(node):
    yield node
    if isinstance(node, Multi):
        for p in node.parts:
            yield from walk_nodes(p)


def thread_info():
    def root_of(m):
        while isinstance(m.parent, Msg):
            m = m.parent
        return m.parent if isinstance(m.parent, str) else m

    def depth_of(m):
        d = 1
        while isinstance(m.parent, Msg):
            m, d = m.parent, d + 1
        return d

    groups = {}
    for m in MSGS:
        r = root_of(m)
        key = r if isinstance(r, str) else r.mid
        g = groups.setdefault(key, {"root": key, "root_present": not isinstance(r, str),
                                    "subject": r.subject if isinstance(r, Msg) else None,
                                    "size": 0, "depth": 0, "members": []})
        g["size"] += 1
        g["depth"] = max(g["depth"], depth_of(m))
        g["members"].append(m.mid)
    for g in groups.values():
        if g["subject"] is None:
            g["subject"] = min((BYMID[x] for x in g["members"]), key=lambda m: utc(m.date)).subject
    return groups


def expected(files, mbox_msgs):
    BYMID.update({m.mid: m for m in MSGS})
    dups = [m for m in MSGS if len(m.locations) > 1]
    form_occ = {"maildir": 0, "mbox": 0, "loose": 0}
    for m in MSGS:
        for loc in m.locations:
            form_occ[loc.split("/")[0]] += 1
    maildir = {}
    for m in MSGS:
        for loc in m.locations:
            if loc.startswith("maildir/"):
                _, box, sub, _ = loc.split("/", 3)
                maildir.setdefault(box, {"cur": 0, "new": 0})[sub] += 1
    senders = {}
    for m in MSGS:
        a = m.sender.addr.lower()
        senders[a] = senders.get(a, 0) + 1
    months, undated, malformed = {}, [], []
    for m in MSGS:
        if m.no_date:
            undated.append({"message_id": m.mid, "subject": m.subject, "locations": m.locations})
        elif m.date_raw is not None:
            malformed.append({"message_id": m.mid, "subject": m.subject, "raw_date": m.date_raw,
                              "locations": m.locations})
        else:
            k = utc(m.date).strftime("%Y-%m")
            months[k] = months.get(k, 0) + 1
    groups = thread_info()
    threads = sorted((g for g in groups.values() if g["size"] > 1), key=lambda g: g["root"])
    for g in threads:
        g["members"] = sorted(g["members"])
    # features
    html_only = alt = alt_any = att_msgs = 0
    charsets = {}
    for m in MSGS:
        top = m.node
        if isinstance(top, Text) and top.subtype == "html":
            html_only += 1
        if isinstance(top, Multi) and top.subtype == "alternative":
            alt += 1
        nodes = list(walk_nodes(top))
        if any(isinstance(n, Multi) and n.subtype == "alternative" for n in nodes):
            alt_any += 1
        if any(isinstance(n, (Att, Rfc822)) for n in nodes):
            att_msgs += 1
        for cs in sorted({n.charset for n in nodes if isinstance(n, Text)}):
            charsets[cs] = charsets.get(cs, 0) + 1
    win_bytes = sum(1 for m in MSGS if any(isinstance(n, Text) and n.charset == "windows-1252" and n.cte == "8bit"
                                           for n in walk_nodes(m.node))
                    and all(b in m.raw for b in (b"\x80", b"\x93", b"\x94")))
    head = lambda m: m.raw.split(b"\n\n", 1)[0].decode("ascii")
    hdr = lambda m, name: re.search(r"(?mi)^%s:(.*(?:\n[ \t].*)*)" % name, head(m)).group(1)
    subj2047 = [m for m in MSGS if "=?" in hdr(m, "Subject")]
    from2047 = [m for m in MSGS if "=?" in hdr(m, "From")]
    att2231 = [(m, n) for m in MSGS for n in walk_nodes(m.node) if isinstance(n, Att) and n.rfc2231]
    escaped = sum(1 for line in files["mbox/archive-2014.mbox"].split(b"\n") if re.match(rb"^>+From ", line))
    planted = []
    for word, where, keys in PLANTED:
        ms = [digest42() if k == "@digest42" else BYKEY[k] for k in keys]
        planted.append({"word": word, "where": where, "message_ids": [m.mid for m in ms],
                        "subjects": [m.subject for m in ms], "paths": [l for m in ms for l in m.locations]})
    for word, path, where in STANDALONE_WORDS:
        planted.append({"word": word, "where": where, "message_ids": [], "subjects": [], "paths": [path]})
    key_ids = lambda *ks: {k: BYKEY[k].mid for k in ks}
    exp = {
        "generator": "examples/gen_sample.py",
        "seed": SEED,
        "company": "Halvorsen Maritime Logistics AS",
        "dump_root": "examples/sample-dump",
        "notes": [
            "Paths are relative to dump_root. 'mbox/archive-2014.mbox#N' is the N-th message (1-based) of the mbox.",
            "Counts of unique messages are by Message-ID; a duplicate's second copy is byte-identical to the first "
            "(for the mbox copy: after removing the From_ line and undoing the mboxrd >From escaping).",
            "maildir/*/tmp/.gitkeep are empty placeholders so that git keeps the tmp/ folders; they are not messages.",
            "The message/rfc822 attachment inside kessler1 is not counted as a separate message.",
        ],
        "messages": {
            "unique": len(MSGS),
            "occurrences": sum(form_occ.values()),
            "duplicate_extra_copies": sum(len(m.locations) - 1 for m in dups),
            "occurrences_per_form": form_occ,
            "message_files": {"maildir": form_occ["maildir"], "loose": form_occ["loose"], "mbox_files": 1},
        },
        "maildir": dict(sorted(maildir.items())),
        "mbox": {"path": "mbox/archive-2014.mbox", "format": "mboxrd", "messages": len(mbox_msgs),
                 "escaped_from_lines": escaped,
                 "note": "lines matching ^>*From  in a message get one more '>' in the file"},
        "loose": {"files": form_occ["loose"]},
        "duplicates": [{"message_id": m.mid, "subject": m.subject, "locations": m.locations} for m in dups],
        "senders": dict(sorted(senders.items(), key=lambda kv: (-kv[1], kv[0]))),
        "distinct_sender_addresses": len(senders),
        "months_utc": dict(sorted(months.items())),
        "undated": undated,
        "malformed_date": malformed,
        "threads": [{"root": g["root"], "root_present": g["root_present"], "subject": g["subject"],
                     "size": g["size"], "depth": g["depth"], "members": g["members"]} for g in threads],
        "thread_summary": {
            "threads_with_replies": len(threads),
            "threads_depth_ge_3": sum(1 for g in threads if g["depth"] >= 3),
            "singleton_messages": sum(1 for g in groups.values() if g["size"] == 1),
            "total_threads": len(groups),
        },
        "orphans": [{"message_id": m.mid, "missing_parent": m.parent, "subject": m.subject}
                    for m in MSGS if isinstance(m.parent, str)],
        "planted_words": planted,
        "features": {
            "html_only": html_only,
            "multipart_alternative_top_level": alt,
            "multipart_alternative_anywhere": alt_any,
            "with_attachments": att_msgs,
            "body_charsets": dict(sorted(charsets.items())),
            "windows1252_8bit_with_0x80_0x93_0x94": win_bytes,
            "rfc2047_subject": len(subj2047),
            "rfc2047_from": len(from2047),
            "rfc2231_filenames": [n.filename for _, n in att2231],
        },
        "edge_cases": {
            "no_date_header": BYKEY["nodate"].mid,
            "malformed_date_header": BYKEY["malformed"].mid,
            "broken_multipart_no_closing_boundary": BYKEY["broken"].mid,
            "nested_message_rfc822": BYKEY["kessler1"].mid,
            "orphan_reply_missing_parent": BYKEY["orphan1"].mid,
            "display_name_only_address_in_cc": BYKEY["santos2"].mid,
            "undisclosed_recipients_group": [m.mid for m in MSGS if "undisclosed-recipients:;" in m.to],
            "with_bcc": [m.mid for m in MSGS if m.bcc],
            "with_reply_to": [m.mid for m in MSGS if m.reply_to],
            "mailing_list": [m.mid for m in MSGS if any(h.startswith("List-Id:") for h in m.extra)],
            "quoted_comma_display_name": "\"Kowalski, Anna\" <%s>" % anna.addr,
            "month_boundary_by_utc": key_ids("yuki_gw", "oli_jun"),
            "sv_reply_prefix": BYKEY["report2"].mid,
            "mboxrd_double_escape": BYKEY["inv3"].mid,
        },
        "standalone_files": [{"path": p, "planted_word": w} for w, p, _ in STANDALONE_WORDS],
        "size_bytes": sum(len(v) for v in files.values()),
        "sha256": {},
    }
    import hashlib
    exp["sha256"] = {k: hashlib.sha256(v).hexdigest() for k, v in sorted(files.items())}
    EXPECTED.write_text(json.dumps(exp, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return exp


BYMID = {}


def digest42():
    return next(m for m in MSGS if m.subject.startswith("Maritime Safety Digest #42"))


# ---------------------------------------------------------------------------
# verification: parse everything back from disk
# ---------------------------------------------------------------------------

PROBLEMS = []


def check(cond, what):
    if not cond:
        PROBLEMS.append(what)


def pdf_text(data, label):
    check(data.startswith(b"%PDF-1.4\n"), "%s: header" % label)
    m = re.search(rb"startxref\n(\d+)\n%%EOF\n$", data)
    check(m is not None, "%s: startxref" % label)
    if not m:
        return ""
    xref = int(m.group(1))
    check(data[xref:xref + 5] == b"xref\n", "%s: xref offset" % label)
    hdr = re.match(rb"xref\n0 (\d+)\n", data[xref:])
    n = int(hdr.group(1))
    pos = xref + hdr.end()
    for i in range(n):
        entry = data[pos + 20 * i: pos + 20 * (i + 1)]
        check(len(entry) == 20, "%s: xref entry size" % label)
        if i == 0:
            continue
        off = int(entry[:10])
        check(data[off:].startswith(b"%d 0 obj" % i), "%s: object %d offset" % (label, i))
    sm = re.search(rb"<< /Length (\d+) >>\nstream\n", data)
    ln = int(sm.group(1))
    check(data[sm.end() + ln: sm.end() + ln + 9] == b"endstream", "%s: stream length" % label)
    stream = data[sm.end(): sm.end() + ln].decode("latin-1")
    strings = re.findall(r"\(((?:\\.|[^\\)])*)\) Tj", stream)
    return "\n".join(re.sub(r"\\(.)", r"\1", s) for s in strings)


def ooxml_text(data, label):
    z = zipfile.ZipFile(io.BytesIO(data))
    names = z.namelist()
    check(z.testzip() is None, "%s: zip crc" % label)
    for req in ("[Content_Types].xml", "_rels/.rels", "docProps/core.xml"):
        check(req in names, "%s: missing %s" % (label, req))
    if "word/document.xml" in names:
        doc = ET.fromstring(z.read("word/document.xml"))
        w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
        check(doc.find(".//%sp" % w) is not None, "%s: docx needs paragraphs" % label)
        if re.search(r"Low_Tide|witness|Fleet_Safety|Board_minutes", label):
            check(doc.find(".//%stbl" % w) is not None, "%s: docx needs a table" % label)
    elif "xl/workbook.xml" in names:
        check("xl/sharedStrings.xml" in names, "%s: xlsx sharedStrings" % label)
    else:
        check(False, "%s: neither docx nor xlsx" % label)
    core = ET.fromstring(z.read("docProps/core.xml"))
    check(core.find("{http://purl.org/dc/elements/1.1/}creator") is not None, "%s: core creator" % label)
    texts = []
    for n in names:
        if n.endswith(".xml") or n.endswith(".rels"):
            root = ET.fromstring(z.read(n))  # raises if not well-formed
            if n.startswith(("word/", "xl/")):
                texts.append(" ".join(root.itertext()))
    return "\n".join(texts)


def blob_text(name, data, label, pdfs):
    low = (name or "").lower()
    if low.endswith(".pdf"):
        pdfs.append((label + ":" + name, data))
        return pdf_text(data, label + ":" + name)
    if low.endswith((".docx", ".xlsx")):
        return ooxml_text(data, label + ":" + name)
    if low.endswith(".zip"):
        z = zipfile.ZipFile(io.BytesIO(data))
        check(z.testzip() is None, "%s: zip crc" % label)
        return "\n".join(blob_text(n, z.read(n), label + ":" + name, pdfs) for n in z.namelist())
    for cs in ("utf-8", "latin-1"):
        try:
            return data.decode(cs)
        except UnicodeDecodeError:
            pass
    return ""


def message_text(raw, label, pdfs):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    out = [str(msg.get("Subject", "")), str(msg.get("From", ""))]
    for part in msg.walk():
        if part.is_multipart():
            continue
        try:
            content = part.get_content()
        except Exception as e:  # noqa
            check(False, "%s: part %s does not decode: %r" % (label, part.get_content_type(), e))
            continue
        if isinstance(content, str):
            out.append(content)
        elif isinstance(content, bytes):
            out.append(blob_text(part.get_filename(), content, label, pdfs))
    return msg, "\n".join(out)


def split_mboxrd(data):
    msgs, cur = [], None
    for line in data.split(b"\n")[:-1]:
        if line.startswith(b"From "):
            if cur is not None:
                msgs.append(cur)
            cur = []
            continue
        m = re.match(rb"^>(>*From )", line)
        cur.append(line[1:] if m else line)
    if cur is not None:
        msgs.append(cur)
    res = []
    for lines in msgs:
        assert lines[-1] == b"", "mbox message not followed by a blank line"
        res.append(b"\n".join(lines[:-1]) + b"\n")
    return res


def verify(exp):
    pdfs = []
    found = {}  # mid -> list of (location, raw)
    texts = {}
    for path in sorted(OUT.rglob("*")):
        if path.is_dir():
            continue
        rel = path.relative_to(OUT).as_posix()
        data = path.read_bytes()
        if rel.startswith("maildir/") and "/tmp/" not in rel or rel.startswith("loose/"):
            items = [(rel, data)]
        elif rel.startswith("mbox/"):
            items = [("%s#%d" % (rel, i), raw) for i, raw in enumerate(split_mboxrd(data), 1)]
        else:
            continue
        for loc, raw in items:
            check(b"\r" not in raw.split(b"\n\n", 1)[0], "%s: CR in headers" % loc)
            msg, text = message_text(raw, loc, pdfs)
            mid = msg["Message-ID"]
            found.setdefault(mid, []).append((loc, raw))
            texts.setdefault(mid, text)
            defects = [type(d).__name__ for p in msg.walk() for d in p.defects]
            for h in ("Date", "From", "To", "Cc", "Subject"):
                if msg.get(h) is not None:
                    defects += [type(d).__name__ for d in getattr(msg[h], "defects", ())]
            if defects:
                print("  defects %-48s %s" % (loc[:48], sorted(set(defects))))
    byid = {m.mid: m for m in MSGS}
    check(set(found) == set(byid), "message id sets differ: %s" % (set(found) ^ set(byid)))
    for mid, occ in found.items():
        m = byid.get(mid)
        if not m:
            continue
        check(sorted(l for l, _ in occ) == sorted(m.locations), "%s: locations %s" % (m.key, [l for l, _ in occ]))
        for loc, raw in occ:
            check(raw == m.raw, "%s: bytes differ at %s" % (m.key, loc))
    # planted words, case-insensitively, in decoded text
    for p in exp["planted_words"]:
        w = p["word"].casefold()
        if p["message_ids"]:
            hits = sorted(mid for mid, t in texts.items() if w in t.casefold())
            check(hits == sorted(p["message_ids"]), "planted %r found in %s" % (p["word"], [byid[h].key for h in hits]))
        else:
            hits = [mid for mid, t in texts.items() if w in t.casefold()]
            check(not hits, "standalone word %r also in messages %s" % (p["word"], hits))
    stand = {}
    for w, path, _ in STANDALONE_WORDS:
        stand[path] = blob_text(path, (OUT / path).read_bytes(), "files", pdfs)
    for w, path, _ in STANDALONE_WORDS:
        hits = [p for p, t in stand.items() if w in t.casefold()]
        check(hits == [path], "standalone %r found in %s" % (w, hits))
        for word, _, _ in PLANTED:
            check(word.casefold() not in stand[path].casefold(), "%r leaked into %s" % (word, path))
    # pdftotext, when available
    tool = shutil.which("pdftotext")
    if tool:
        for label, data in pdfs:
            r = subprocess.run([tool, "-q", "-", "-"], input=data, capture_output=True)
            check(r.returncode == 0 and len(r.stdout.strip()) > 20, "pdftotext failed on %s" % label)
        for label, data in pdfs:
            if "Incident_Report" in label:
                out = subprocess.run([tool, "-q", "-", "-"], input=data, capture_output=True).stdout
                check(b"bunkerfuel" in out, "pdftotext: bunkerfuel missing")
        print("  pdftotext checked %d PDF occurrences" % len(pdfs))
    else:
        print("  pdftotext not installed: PDF text checked with the built-in parser only")
    # requirements of the brief
    f = exp["features"]
    req = [
        (exp["messages"]["unique"] >= 170, "at least 170 messages"),
        (sum(1 for a in exp["senders"] if a.endswith("@" + D)) >= 12, "12 internal senders"),
        (len(exp["months_utc"]) >= 6, "six months"),
        (exp["messages"]["duplicate_extra_copies"] == 5 and len(exp["duplicates"]) == 5, "exactly 5 duplicates"),
        (exp["mbox"]["escaped_from_lines"] >= 3, "3 escaped From lines"),
        (exp["thread_summary"]["threads_depth_ge_3"] >= 10, "10 threads of depth >= 3"),
        (len(exp["orphans"]) >= 1, "an orphan reply"),
        (f["html_only"] >= 8, "8 html-only"),
        (f["multipart_alternative_top_level"] >= 20, "20 multipart/alternative"),
        (f["body_charsets"].get("iso-8859-1", 0) >= 4, "4 iso-8859-1"),
        (f["windows1252_8bit_with_0x80_0x93_0x94"] >= 4, "4 windows-1252 with 0x80/0x93/0x94"),
        (f["body_charsets"].get("koi8-r", 0) >= 4, "4 koi8-r"),
        (f["body_charsets"].get("shift_jis", 0) >= 4, "4 shift_jis"),
        (f["rfc2047_subject"] >= 3 and f["rfc2047_from"] >= 3, "rfc2047"),
        (len(f["rfc2231_filenames"]) >= 3, "rfc2231"),
        (f["with_attachments"] >= 25, "25 with attachments"),
        (exp["size_bytes"] < 2 * 1024 * 1024, "under 2 MB"),
    ]
    for ok, what in req:
        check(ok, "requirement: " + what)
    raw_all = b"".join(m.raw for m in MSGS)
    for pat in (rb"=\?UTF-8\?Q\?", rb"=\?UTF-8\?B\?", rb"=\?ISO-8859-1\?Q\?", rb"=\?ISO-8859-1\?B\?"):
        check(re.search(pat, raw_all) is not None, "encoded word style %r missing" % pat)
    for tz in (b" -0800", b" +0100", b" +0900"):
        check(re.search(rb"(?m)^Date: .*" + re.escape(tz), raw_all) is not None, "no Date with %r" % tz)
    if PROBLEMS:
        print("VERIFY FAILED:")
        for p in PROBLEMS:
            print("  -", p)
        return False
    print("  verify: OK")
    return True


# ---------------------------------------------------------------------------


STANDALONE = {}


def main():
    story()
    filler()
    for m in MSGS:
        m.render()
    place()
    STANDALONE.update(standalone_files())
    files, mbox_msgs = write_all()
    exp = expected(files, mbox_msgs)
    m = exp["messages"]
    print("sample dump: %d unique messages, %d occurrences (maildir %d, mbox %d, loose %d), %d files, %d bytes"
          % (m["unique"], m["occurrences"], m["occurrences_per_form"]["maildir"], m["occurrences_per_form"]["mbox"],
             m["occurrences_per_form"]["loose"], len(files), exp["size_bytes"]))
    if "--no-verify" not in sys.argv:
        if not verify(exp):
            sys.exit(1)


if __name__ == "__main__":
    main()
