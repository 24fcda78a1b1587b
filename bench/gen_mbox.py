#!/usr/bin/env python3
"""gen_mbox.py - a deterministic synthetic mbox for the memory benchmark.

Writes mboxrd messages until the file reaches --bytes (default 2 GB), the
same bytes for the same --seed.  The messages look like office mail: a few
thousand people at a few dozen fictional domains (.example, RFC 2606),
Received/Message-ID/Date/From/To/Cc/Subject headers, replies that quote and
thread (In-Reply-To, References), a share of quoted-printable and UTF-8
bodies, multipart/alternative with an HTML part, and attachments (CSV,
text, a small base64 blob) on about one message in eight.  Body words follow
a Zipf distribution over a vocabulary of real words plus generated ones, so
the full-text index grows as it would on real mail, and every message holds
a serial number so that no two messages are identical.

Usage: gen_mbox.py --out FILE [--bytes N] [--seed S]
"""

import argparse
import base64
import quopri
import random
import sys

WORDS = """the of and to a in for is on that by this with you it not or be are
from at as your all have new more an was we will can about if page my has
free but our one other do no information time they site he up may what which
their news out use any there see only so his when contact here business who
also now help get pm view online first am been would how were me services
some these click its like service than find price date back top people had
list name just over state year day into email two health world next used go
work last most products music buy data make them should product system post
her city add policy number such please available copyright support message
after best software then jan good video well where info rights public books
high school through each links she review years order very privacy book
items company read group need many user said does set under general research
university january mail full map reviews program life know games way days
management part could great united hotel real item international center must
store travel comments made development report off member details line terms
before did send right type because local those using results office
education national car design take posted internet address community within
states area want phone shipping reserved subject between forum family long
based code show even black check special prices website index being women
much sign file link open today technology south case project same pages
version section own found sports house related security both county american
game members power while care network down computer systems three total place
following download without access think north resources current posts big
media law control water history pictures size art personal since including
guide shop directory board location change white text small rating rate
government children during return students shopping account times sites
level digital profile previous form events love old john main call hours
image department title description insurance another why shall property
class still money quality every listing content country private little
visit save tools low reply customer december compare movies include college
value article york man card jobs provide food source author different press
learn sale around print course job canada process teen room stock training
too credit point join science men categories advanced west sales look
english left team estate box conditions select windows photos gay thread
week category note live large gallery table register however june october
november market library really action start series model features air
industry plan human provided yes required second hot accessories cost movie
forums march la september better say questions july yahoo going medical
test friend come dec server study application cart staff articles san feedback
again play looking issues april never users complete street topic comment
financial things working against standard tax person below mobile less got
blog party payment equipment login student let programs offers legal above
recent park stores side act problem red give memory performance social
august quote language story sell options experience rates create key body
young america important field few east paper single age activities club
example girls additional password latest something road gift question changes
night hard texas oct pay four poker status browse issue range building
seller court february always result audio light write war nov offer blue
groups easy given files event release analysis request fax china making
picture needs possible might professional yet month major star areas future
space committee hand sun cards problems london washington meeting become
interest id child keep enter california share similar garden schools million
added reference companies listed baby learning energy run delivery net
popular term film stories put computers journal reports co try welcome
central images president notice god original head radio until cell color
self council away includes track australia discussion archive once others
entertainment agreement format least society months log safety friends sure
faq trade edition cars messages marketing tell further updated association
able having provides david fun already green studies close common drive
specific several gold feb living sep collection called short arts lot ask
display limited powered solutions means director daily beach past natural
whether due et electronics five upon period planning database says official
weather mar land average done technical window france pro region island
record direct microsoft conference environment records st district calendar
costs style url front statement update parts aug ever downloads early miles
sound resource present applications either ago document word works material
bill apr written talk federal hosting rules final adult tickets thing centre
requirements via cheap kids finance true minutes else mark third rock gifts
europe reading topics bad individual tips plus auto cover usually edit
together videos percent fast function fact unit getting global tech meet far
economic en player projects lyrics often subscribe submit germany amount
watch included feel though bank risk thanks everything deals various words
contract pipeline invoice shipment vessel cargo harbour freight tanker
quarterly forecast budget audit compliance transfer offshore account ledger
settlement payment wire swift beneficiary counterparty hedge derivative
""".split()

FIRST = """Anna Bjorn Carla David Elena Farid Greta Hassan Ingrid Jonas Karin Lars
Maria Nils Olga Pavel Quentin Rita Sven Tomas Ulla Viktor Wanda Xavier Yusuf
Zofia Ahmed Beatriz Chen Dmitri Esther Fatima Gustav Helga Ivan Julia Kenji
Leila Marco Nadia Oscar Priya Rafael Sofia Tariq Ursula Vera Walter Yara
Zeynep Amir Bruno Clara Diego Eva Felix""".split()
LAST = """Andersen Berg Costa Dahl Eriksen Falk Garcia Hansen Ibrahim Jensen
Kowalski Larsen Moreau Nakamura Olsen Petrov Quist Rossi Schmidt Tanaka
Ueda Varga Weber Xu Yilmaz Zhang Brekke Halvorsen Lindqvist Novak Okafor
Pereira Rahman Silva Takahashi Virtanen Wojcik Abbasi Baptiste Castillo
Dubois Engel Fischer Gomez""".split()
DOMAINS = ["%s.example" % d for d in """halvorsen-maritime nordfjord-shipping
atlas-trading meridian-energy bluewater-capital kestrel-holdings
corvid-logistics alder-legal harbourview-bank tidewater-insurance
ironbridge-audit saltmarsh-freight polaris-consulting greyhaven-partners
cobalt-mining fjordline-ports amberley-trust northgate-group
westmark-chartering sable-commodities""".split()]
MAILERS = ["Microsoft Outlook 16.0", "Apple Mail (2.3654)",
           "Mozilla Thunderbird 102.4", "Roundcube Webmail/1.5.2",
           "Lotus Notes Release 8.5.3"]
UTF8_WORDS = ["Zürich", "Ålesund", "Tromsø", "København", "São Paulo",
              "Gdańsk", "İstanbul", "Straße", "naïve", "façade", "€", "—"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
          "Oct", "Nov", "Dec"]
SYL = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "vo", "en", "ar", "is", "ol",
       "ur", "be", "dra", "gen", "tor", "vik", "sal", "mun", "der", "fen"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        r = self.r
        vocab = list(dict.fromkeys(WORDS))
        seen = set(vocab)
        while len(vocab) < 40000:
            w = "".join(r.choice(SYL) for _ in range(r.randint(2, 4)))
            if w not in seen:
                seen.add(w)
                vocab.append(w)
        self.vocab = vocab
        acc = 0.0
        self.cum = []
        for i in range(len(vocab)):
            acc += 1.0 / (i + 1) ** 1.05
            self.cum.append(acc)
        self.people = []
        for i in range(3000):
            fn, ln = r.choice(FIRST), r.choice(LAST)
            dom = DOMAINS[i % len(DOMAINS)]
            local = "%s.%s" % (fn.lower(), ln.lower())
            if i >= len(FIRST) * len(LAST) // 2:
                local += str(i)
            self.people.append(("%s %s" % (fn, ln), "%s@%s" % (local, dom)))
        self.recent = []   # (message-id, subject, references) to reply to
        self.t = 978307200  # 2001-01-01T00:00:00Z

    def words(self, n):
        return self.r.choices(self.vocab, cum_weights=self.cum, k=n)

    def paragraph(self, utf8):
        r = self.r
        out = []
        for _ in range(r.randint(2, 7)):
            w = self.words(r.randint(6, 24))
            if utf8 and r.random() < 0.2:
                w[r.randrange(len(w))] = r.choice(UTF8_WORDS)
            if r.random() < 0.15:
                w.append("%d,%03d" % (r.randint(1, 999), r.randint(0, 999)))
            s = " ".join(w)
            out.append(s[0].upper() + s[1:] + r.choice(".....?!"))
        text = " ".join(out)
        lines, line = [], []
        n = 0
        for w in text.split(" "):
            if n + len(w) > 72 and line:
                lines.append(" ".join(line))
                line, n = [], 0
            line.append(w)
            n += len(w) + 1
        if line:
            lines.append(" ".join(line))
        return "\n".join(lines)

    def date(self):
        r = self.r
        self.t += r.randint(20, 900)
        tz = r.choice([0, 60, 120, -300, -480, 330, 540])
        t = self.t + tz * 60
        days = t // 86400
        secs = t % 86400
        # civil-from-days (proleptic Gregorian), no time-zone database.
        z = days + 719468
        era = z // 146097
        doe = z - era * 146097
        yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
        y = yoe + era * 400
        doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
        mp = (5 * doy + 2) // 153
        d = doy - (153 * mp + 2) // 5 + 1
        m = mp + 3 if mp < 10 else mp - 9
        if m <= 2:
            y += 1
        wd = DAYS[(days + 3) % 7]
        sign = "+" if tz >= 0 else "-"
        return ("%s, %d %s %d %02d:%02d:%02d %s%02d%02d" % (
            wd, d, MONTHS[m - 1], y, secs // 3600, secs // 60 % 60, secs % 60,
            sign, abs(tz) // 60, abs(tz) % 60),
            "%s %s %2d %02d:%02d:%02d %d" % (
            wd, MONTHS[m - 1], d, secs // 3600, secs // 60 % 60, secs % 60,
            y))

    def attachment(self, seq, boundary):
        r = self.r
        kind = r.random()
        if kind < 0.5:
            rows = ["date,account,counterparty,amount,currency,reference"]
            for i in range(r.randint(20, 400)):
                rows.append("2001-%02d-%02d,%s,%s,%d.%02d,%s,REF-%d-%d" % (
                    r.randint(1, 12), r.randint(1, 28),
                    "".join(self.words(1)), self.people[r.randrange(3000)][1],
                    r.randint(1, 10 ** 6), r.randint(0, 99),
                    r.choice(["USD", "EUR", "NOK", "GBP"]), seq, i))
            data = ("\r\n".join(rows) + "\r\n").encode()
            name, ctype = "ledger-%d.csv" % seq, "text/csv"
        elif kind < 0.85:
            data = "\n\n".join(self.paragraph(False)
                               for _ in range(r.randint(2, 12))).encode()
            name, ctype = "notes-%d.txt" % seq, "text/plain"
        else:
            data = r.randbytes(r.randint(2000, 40000))
            name, ctype = "scan-%d.bin" % seq, "application/octet-stream"
        b64 = base64.encodebytes(data).decode()
        return ("--%s\nContent-Type: %s; name=\"%s\"\n"
                "Content-Disposition: attachment; filename=\"%s\"\n"
                "Content-Transfer-Encoding: base64\n\n%s" % (
                    boundary, ctype, name, name, b64))

    def message(self, seq):
        r = self.r
        sender = self.people[int(r.paretovariate(1.2) * 7) % 3000]
        nto = r.choice([1, 1, 1, 2, 2, 3, 4])
        to = [self.people[r.randrange(3000)] for _ in range(nto)]
        cc = [self.people[r.randrange(3000)]
              for _ in range(r.choice([0, 0, 0, 1, 2]))]
        hdate, edate = self.date()
        dom = sender[1].split("@")[1]
        mid = "<%d.%08x@%s>" % (seq, r.getrandbits(32), dom)
        utf8 = r.random() < 0.1
        reply = None
        if self.recent and r.random() < 0.35:
            reply = self.recent[r.randrange(len(self.recent))]
        if reply:
            subject = "Re: " + reply[1].removeprefix("Re: ")
        else:
            subject = " ".join(self.words(r.randint(2, 8))).capitalize()
            if r.random() < 0.1:
                subject = "Fwd: " + subject
        subject += " [%d]" % seq if r.random() < 0.3 else ""
        paras = [self.paragraph(utf8) for _ in range(
            max(1, int(r.lognormvariate(1.0, 0.8))))]
        body = "\n\n".join(paras)
        body += "\n\nRef %d-%d\n" % (seq, r.getrandbits(24))
        if reply and r.random() < 0.7:
            quoted = self.paragraph(False)
            body += "\n\nOn an earlier date someone wrote:\n" + "\n".join(
                "> " + l for l in quoted.splitlines()) + "\n"
        body += "\n-- \n%s\n%s\n" % (sender[0], dom)
        h = ["Return-Path: <%s>" % sender[1],
             "Received: from mail.%s (mail.%s [192.0.2.%d]) by mx.%s "
             "with ESMTP id %08X; %s" % (dom, dom, r.randint(1, 254),
                                         to[0][1].split("@")[1],
                                         r.getrandbits(32), hdate),
             "Message-ID: " + mid, "Date: " + hdate,
             "From: \"%s\" <%s>" % sender,
             "To: " + ", ".join("\"%s\" <%s>" % p for p in to)]
        if cc:
            h.append("Cc: " + ", ".join("\"%s\" <%s>" % p for p in cc))
        if utf8:
            h.append("Subject: =?UTF-8?B?%s?=" % base64.b64encode(
                subject.encode()).decode())
        else:
            h.append("Subject: " + subject)
        refs = ""
        if reply:
            refs = (reply[2] + " " + reply[0]).strip()
            h.append("In-Reply-To: " + reply[0])
            h.append("References: " + refs)
        h.append("MIME-Version: 1.0")
        h.append("X-Mailer: " + r.choice(MAILERS))
        charset = "utf-8" if utf8 else "us-ascii"
        qp = utf8 or r.random() < 0.1
        cte = "quoted-printable" if qp else "7bit"
        text = quopri.encodestring(body.encode()).decode() if qp else body
        alt = r.random() < 0.2
        att = r.random() < 0.125
        parts = "Content-Type: text/plain; charset=%s\n" \
                "Content-Transfer-Encoding: %s\n\n%s" % (charset, cte, text)
        if alt:
            b = "alt-%d" % seq
            html = "<html><body>%s</body></html>\n" % "".join(
                "<p>%s</p>" % p.replace("&", "&amp;").replace("<", "&lt;")
                for p in paras)
            hq = quopri.encodestring(html.encode()).decode()
            parts = ("Content-Type: multipart/alternative; boundary=\"%s\"\n\n"
                     "--%s\n%s\n--%s\nContent-Type: text/html; charset=%s\n"
                     "Content-Transfer-Encoding: quoted-printable\n\n%s\n"
                     "--%s--\n" % (b, b, parts, b, charset, hq, b))
        if att:
            b = "mix-%d" % seq
            parts = ("Content-Type: multipart/mixed; boundary=\"%s\"\n\n"
                     "This is a multi-part message in MIME format.\n\n"
                     "--%s\n%s\n%s--%s--\n" % (
                         b, b, parts, self.attachment(seq, b), b))
        msg = "\n".join(h) + "\n" + parts
        # mboxrd: quote every line that would otherwise read as a separator.
        lines = msg.split("\n")
        for i, l in enumerate(lines):
            s = l.lstrip(">")
            if s.startswith("From "):
                lines[i] = ">" + l
        self.recent.append((mid, subject.split(" [")[0], refs[-400:]))
        if len(self.recent) > 200:
            self.recent.pop(0)
        return "From %s %s\n%s\n" % (sender[1], edate, "\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--bytes", type=int, default=2 * 1000 ** 3)
    ap.add_argument("--seed", type=int, default=20010101)
    a = ap.parse_args()
    g = Gen(a.seed)
    total = 0
    seq = 0
    buf = []
    nbuf = 0
    with open(a.out, "wb") as f:
        while total < a.bytes:
            seq += 1
            m = g.message(seq).encode("utf-8")
            buf.append(m)
            nbuf += len(m)
            total += len(m)
            if nbuf > 8 << 20:
                f.write(b"".join(buf))
                buf, nbuf = [], 0
        f.write(b"".join(buf))
    print("gen_mbox: %d messages, %d bytes in %s" % (seq, total, a.out),
          file=sys.stderr)


if __name__ == "__main__":
    main()
