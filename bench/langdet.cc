/*
 * langdet.cc - compares the two language detectors trawl could use (CLD2
 * and exttextcat) on short mail-like texts: accuracy and time per call.
 * It is C++ only because CLD2 has no C interface; trawl itself uses the
 * winner through lib/text/lang.c.  Build and run by hand:
 *
 *   g++ -O2 -o /tmp/langdet bench/langdet.cc -lcld2 -lexttextcat-2.0 && /tmp/langdet
 *
 * The samples below are 50-300 bytes each, written like mail: greetings,
 * short business sentences, names and numbers; "mixed" ones hold two
 * languages and count as right when either is answered.
 */
#include <stdio.h>
#include <cld2/public/compact_lang_det.h>
#include <libexttextcat/textcat.h>
#include <string.h>
#include <time.h>
#include <string>

struct sample { const char *want, *alt, *text; };

static const sample samples[] = {
{"en", 0, "Hi John, please find attached the revised salary schedule for Q3. Let me know if anything looks off before Friday."},
{"en", 0, "The documents leaked to the press last week were drafts; legal wants a meeting tomorrow at 10am."},
{"en", 0, "Thanks, will do."},
{"en", 0, "Can you forward me the contract that Vince signed with the Houston office? I can't find it in the shared drive anymore."},
{"en", 0, "FYI - the gas trading desk numbers for December are below. Call me if you have questions. Regards, Sally"},
{"fr", 0, "Bonjour Marie, je vous envoie ci-joint le compte rendu des négociations salariales de mardi. Bien cordialement, Pierre"},
{"fr", 0, "Merci pour votre réponse rapide. Nous reprendrons la discussion lundi."},
{"fr", 0, "La direction refuse de publier les chiffres avant la fin des négociations avec les syndicats."},
{"fr", 0, "Pouvez-vous me rappeler demain matin ?"},
{"fr", 0, "Les documents ont été transmis au juge d'instruction vendredi dernier, d'après notre avocat."},
{"de", 0, "Sehr geehrte Damen und Herren, anbei erhalten Sie die Unterlagen zu den Verhandlungen vom Montag. Mit freundlichen Grüßen"},
{"de", 0, "Kannst du mir bitte die Rechnung noch einmal schicken? Danke!"},
{"de", 0, "Die Vertragsverhandlungen mit dem Lieferanten wurden gestern ohne Ergebnis abgebrochen."},
{"de", 0, "Wir treffen uns um 14 Uhr im Büro."},
{"de", 0, "Der Vorstand hat die Gehälter für das nächste Jahr noch nicht freigegeben; die Betriebsräte warten."},
{"es", 0, "Hola Juan, te envío el acta de las negociaciones de ayer. Un saludo, María"},
{"es", 0, "Las negociaciones con el sindicato continúan la próxima semana en Madrid."},
{"es", 0, "¿Puedes llamarme mañana por la tarde?"},
{"es", 0, "El contrato fue firmado por el director financiero sin consultar al consejo de administración."},
{"es", 0, "Gracias por la información, lo revisamos el lunes."},
{"ru", 0, "Добрый день! Высылаю протокол переговоров с поставщиком. С уважением, Иван"},
{"ru", 0, "Переговоры о зарплате продолжатся в понедельник."},
{"ru", 0, "Пожалуйста, перезвоните мне завтра утром."},
{"ru", 0, "Документы были переданы журналистам на прошлой неделе, юристы требуют встречи."},
{"ru", 0, "Спасибо, получил."},
{"ja", 0, "お疲れ様です。来週の映画の公開について、資料を添付しますのでご確認ください。"},
{"ja", 0, "明日の会議は午後三時からに変更になりました。よろしくお願いします。"},
{"ja", 0, "契約書の件、先方から返事がありました。"},
{"ja", 0, "ありがとうございます。確認します。"},
{"ja", 0, "社長の給与に関する資料が外部に流出した可能性があります。至急ご連絡ください。"},
{"zh", 0, "你好，附件是昨天会议的记录，请查收。谢谢！"},
{"zh", 0, "黑客入侵了公司的服务器，客户资料可能已经泄露。"},
{"zh", 0, "明天下午三点在会议室开会。"},
{"zh", 0, "合同已经签好了，请把付款信息发给我。"},
{"zh", 0, "请尽快回复，谢谢。"},
{"en", "fr", "Hi Pierre, see below. -----Original Message----- Bonjour, voici le compte rendu de la réunion de mardi."},
{"en", "de", "Please see the German version below. Sehr geehrte Damen und Herren, anbei die Unterlagen."},
{"en", "ja", "Meeting notes attached. 明日の会議は午後三時からです。よろしくお願いします。"},
{"zh", "en", "Please check the attachment. 附件是昨天会议的记录，请查收。"},
{"es", "en", "Thanks! Te envío el acta de las negociaciones de ayer con el sindicato."},
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static std::string cld2(const char *t)
{
	bool reliable = false;
	CLD2::Language l = CLD2::DetectLanguage(t, (int)strlen(t), true, &reliable);
	if (l == CLD2::UNKNOWN_LANGUAGE)
		return "und";
	std::string c = CLD2::LanguageCode(l);
	if (c.compare(0, 2, "zh") == 0)
		c = "zh";
	return c;
}

static std::string textcat(void *h, const char *t)
{
	const char *r = textcat_Classify(h, t, strlen(t));
	if (!r || r[0] != '[')
		return "und";
	std::string c(r + 1);
	c = c.substr(0, c.find_first_of("-]"));
	return c;
}

int main(void)
{
	void *h = special_textcat_Init("/usr/share/libexttextcat/fpdb.conf", "/usr/share/libexttextcat/");
	int n = sizeof(samples) / sizeof(samples[0]), ok1 = 0, ok2 = 0, reps = 200;
	double t0, t1, t2;
	std::string big;

	if (!h) {
		fprintf(stderr, "textcat init failed\n");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		std::string a = cld2(samples[i].text), b = textcat(h, samples[i].text);
		bool g1 = a == samples[i].want || (samples[i].alt && a == samples[i].alt);
		bool g2 = b == samples[i].want || (samples[i].alt && b == samples[i].alt);
		ok1 += g1;
		ok2 += g2;
		printf("%-3s cld2=%-4s%s textcat=%-4s%s %.40s\n", samples[i].want, a.c_str(), g1 ? " " : "!",
		       b.c_str(), g2 ? " " : "!", samples[i].text);
	}
	t0 = now();
	for (int r = 0; r < reps; r++)
		for (int i = 0; i < n; i++)
			cld2(samples[i].text);
	t1 = now();
	for (int r = 0; r < reps / 10; r++)
		for (int i = 0; i < n; i++)
			textcat(h, samples[i].text);
	t2 = now();
	printf("accuracy: cld2 %d/%d, textcat %d/%d\n", ok1, n, ok2, n);
	printf("time per short text: cld2 %.1f us, textcat %.1f us\n", (t1 - t0) / (reps * n) * 1e6,
	       (t2 - t1) / (reps / 10 * n) * 1e6);
	for (int i = 0; i < 40; i++)
		big += samples[i % 5].text, big += " ";
	big.resize(4096);
	t0 = now();
	for (int r = 0; r < 1000; r++)
		cld2(big.c_str());
	t1 = now();
	for (int r = 0; r < 20; r++)
		textcat(h, big.c_str());
	t2 = now();
	printf("time per 4 KiB text: cld2 %.1f us, textcat %.1f us\n", (t1 - t0) / 1000 * 1e6, (t2 - t1) / 20 * 1e6);
	t0 = now();
	void *h2 = special_textcat_Init("/usr/share/libexttextcat/fpdb.conf", "/usr/share/libexttextcat/");
	t1 = now();
	printf("textcat init: %.1f ms\n", (t1 - t0) * 1e3);
	textcat_Done(h2);
	textcat_Done(h);
	return 0;
}
