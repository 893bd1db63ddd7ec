import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  detectLanguage,
  LANGUAGE_SAMPLE_CHARS,
  SUPPORTED_LANGUAGES,
} from '../../src/language/detect-language.ts';

/** Sentences written for this test (not the profile samples), two per language. */
const SENTENCES: Readonly<Record<string, readonly string[]>> = {
  en: ['Please check the invoice and send it back to the accounting team.', 'Where did you put the keys?'],
  de: [
    'Bitte prüfe die Rechnung und schick sie an die Buchhaltung zurück.',
    'Wo hast du die Schlüssel hingelegt?',
  ],
  fr: [
    'Vérifie la facture et renvoie-la au service comptable, s\u2019il te plaît.',
    'Où as-tu mis les clés ?',
  ],
  es: ['Revisa la factura y envíala de vuelta al equipo de contabilidad.', '¿Dónde has puesto las llaves?'],
  it: [
    'Controlla la fattura e rimandala all\u2019ufficio contabilità, per favore.',
    'Dove hai messo le chiavi?',
  ],
  pt: [
    'Verifique a fatura e devolva-a à equipe de contabilidade, por favor.',
    'Onde você colocou as chaves?',
  ],
  nl: ['Controleer de factuur en stuur hem terug naar de boekhouding.', 'Waar heb je de sleutels gelegd?'],
  pl: ['Sprawdź fakturę i odeślij ją do działu księgowości.', 'Gdzie położyłeś klucze?'],
  sv: ['Kontrollera fakturan och skicka tillbaka den till ekonomiavdelningen.', 'Var lade du nycklarna?'],
  tr: ['Lütfen faturayı kontrol et ve muhasebe ekibine geri gönder.', 'Anahtarları nereye koydun?'],
  ru: ['Пожалуйста, проверь счёт и отправь его обратно в бухгалтерию.', 'Куда ты положил ключи?'],
  uk: [
    'Будь ласка, перевір рахунок і надішли його назад до бухгалтерії, їм це потрібно.',
    'Де ти поклав ключі від її квартири?',
  ],
  zh: ['请检查发票并把它退回给会计部门。', '你把钥匙放在哪里了？'],
  ja: ['請求書を確認して、経理チームに送り返してください。', '鍵をどこに置きましたか？'],
  ko: ['청구서를 확인하고 회계팀에 다시 보내 주세요.', '열쇠를 어디에 두었어요?'],
  ar: ['من فضلك تحقق من الفاتورة وأعدها إلى فريق المحاسبة.', 'أين وضعت المفاتيح؟'],
  el: ['Παρακαλώ έλεγξε το τιμολόγιο και στείλε το πίσω στο λογιστήριο.', 'Πού έβαλες τα κλειδιά;'],
  he: ['בבקשה בדוק את החשבונית ושלח אותה בחזרה למחלקת הנהלת החשבונות.', 'איפה שמת את המפתחות?'],
  hi: ['कृपया चालान की जाँच करें और इसे लेखा टीम को वापस भेजें।', 'तुमने चाबियाँ कहाँ रखीं?'],
  th: ['กรุณาตรวจสอบใบแจ้งหนี้และส่งกลับไปที่ฝ่ายบัญชี', 'คุณวางกุญแจไว้ที่ไหน'],
};

describe('detectLanguage', () => {
  for (const [language, sentences] of Object.entries(SENTENCES)) {
    test(`recognises ${language}`, () => {
      assert.ok(SUPPORTED_LANGUAGES.includes(language), `${language} must be listed as supported`);
      for (const sentence of sentences) {
        const guess = detectLanguage(sentence);
        assert.equal(guess.language, language, `expected ${language} for a ${language} sentence`);
        assert.ok(guess.confidence > 0 && guess.confidence <= 1);
      }
    });
  }

  test('covers the fifteen languages the issue names', () => {
    for (const language of [
      'en',
      'de',
      'fr',
      'es',
      'it',
      'pt',
      'nl',
      'ru',
      'zh',
      'ja',
      'ko',
      'ar',
      'pl',
      'sv',
      'tr',
    ]) {
      assert.ok(SUPPORTED_LANGUAGES.includes(language), language);
    }
  });

  test('text without enough letters is undetermined', () => {
    for (const text of ['', '   ', 'ok', '12345 67.89 !!!', '😀😀😀', '{"a": 1}']) {
      assert.deepEqual(detectLanguage(text), { language: 'und', confidence: 0 });
    }
  });

  test('two ideographs are enough for Chinese', () => {
    assert.equal(detectLanguage('你好').language, 'zh');
  });

  test('the dominant script wins in mixed text', () => {
    assert.equal(
      detectLanguage('Как настроить docker compose для нашего проекта на сервере?').language,
      'ru',
    );
    assert.equal(detectLanguage('このPythonスクリプトのバグを直してください').language, 'ja');
  });

  test('longer text is more certain than a greeting', () => {
    const short = detectLanguage('Danke schön');
    const long = detectLanguage(
      'Danke schön für die schnelle Antwort, ich werde mir die Unterlagen morgen früh noch einmal genau ansehen.',
    );
    assert.equal(long.language, 'de');
    assert.ok(long.confidence > short.confidence);
  });

  test('only the head of a long text is read, and the result is deterministic', () => {
    const head = 'Das ist ein langer deutscher Text über das Wetter und die Arbeit. '.repeat(60);
    const text = head + 'This English tail comes after the sample window. '.repeat(1000);
    assert.ok(head.length > LANGUAGE_SAMPLE_CHARS);
    const first = detectLanguage(text);
    assert.equal(first.language, 'de');
    assert.deepEqual(detectLanguage(text), first);
  });

  test('lone surrogates and astral characters do not throw', () => {
    assert.equal(detectLanguage('x\uD800y 😀 This is a short English sentence \uDFFF').language, 'en');
    assert.equal(detectLanguage('𠀀𠀁𠀂 中文文本').language, 'zh');
  });
});
