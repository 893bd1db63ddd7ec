/**
 * Sample text per Latin-script language, written for Parapet (not taken from any dataset). The
 * character-trigram profiles of detect-language.ts are built from these once, at module load. The texts
 * mix everyday prose with the way people write to assistants (requests, questions, instructions), since
 * that is what the gateway sees.
 */
export const LATIN_SAMPLES: Readonly<Record<string, string>> = {
  en: `Can you help me write a short email to my manager about the project deadline? I think we need two more
weeks because the testing took longer than we expected. Please explain the difference between these two
approaches and tell me which one is better for a small team. The weather was lovely this morning, so we
walked to the market and bought fresh bread, cheese and some apples. What would happen if the company
decided to move all of its servers to the cloud next year? Summarize the following article in three
sentences and keep the tone friendly. I have been thinking about learning to play the guitar, but I do not
know where to start or how much time it would take. They were always happy when their children visited
them during the holidays. Write a function that returns the largest number in a list, and add a few
comments so that it is easy to understand. Why does the sky look blue during the day and red at sunset?
Our customers should be able to find the answers they need without having to call the support line.
Could you translate this paragraph and check whether my grammar is correct? It would be nice if you
could give me some ideas for a birthday party this weekend. The report shows that sales have grown
steadily over the last three quarters, although costs have also increased.
Provide detailed instructions on how to install the program on a computer, and create a simple tutorial
for new users. Develop a plan to improve the security of the database and generate a list of the most
important information we should protect. How do I get rid of the weeds in my garden without hurting
the flowers? What is the best way to cook rice so that it does not stick to the pot? Describe the
history of the city in a few paragraphs, then give me three facts that most people do not know. Show me
how to set up a network at home and which settings I should change first. Who won the match last night,
and what did the coach say afterwards? Give me a step-by-step guide to building a website for a small
shop, including hosting, design and payment. Which of these books would you recommend to someone who
enjoys mystery stories with a strong female character? My friend thinks that the moon landing was fake;
how can I explain the evidence to him kindly? Make a shopping list for a week of healthy meals.`,
  de: `Kannst du mir bitte helfen, eine kurze E-Mail an meinen Chef zu schreiben? Ich glaube, wir brauchen noch
zwei Wochen, weil die Tests länger gedauert haben als erwartet. Erkläre mir bitte den Unterschied zwischen
diesen beiden Ansätzen und sag mir, welcher für ein kleines Team besser ist. Heute Morgen war das Wetter
schön, deshalb sind wir zum Markt gegangen und haben frisches Brot, Käse und ein paar Äpfel gekauft. Was
würde passieren, wenn das Unternehmen nächstes Jahr alle Server in die Cloud verlegt? Fasse den folgenden
Artikel in drei Sätzen zusammen und bleib dabei freundlich. Ich überlege schon lange, Gitarre spielen zu
lernen, aber ich weiß nicht, wo ich anfangen soll und wie viel Zeit das kostet. Sie waren immer glücklich,
wenn ihre Kinder sie während der Feiertage besuchten. Schreibe eine Funktion, die die größte Zahl in einer
Liste zurückgibt, und füge ein paar Kommentare hinzu, damit sie leicht zu verstehen ist. Warum ist der
Himmel am Tag blau und bei Sonnenuntergang rot? Unsere Kunden sollen die Antworten finden, die sie
brauchen, ohne bei der Hotline anrufen zu müssen. Könntest du diesen Absatz übersetzen und prüfen, ob
meine Grammatik richtig ist? Der Bericht zeigt, dass der Umsatz in den letzten drei Quartalen gestiegen
ist, obwohl auch die Kosten höher geworden sind. Gib mir ein paar Ideen für eine Geburtstagsfeier.`,
  fr: `Peux-tu m'aider à écrire un court courriel à mon responsable au sujet de la date limite du projet ? Je
pense qu'il nous faut encore deux semaines, car les tests ont pris plus de temps que prévu. Explique-moi
la différence entre ces deux approches et dis-moi laquelle est la meilleure pour une petite équipe. Ce
matin, il faisait beau, alors nous sommes allés au marché et nous avons acheté du pain frais, du fromage
et quelques pommes. Que se passerait-il si l'entreprise décidait de déplacer tous ses serveurs dans le
nuage l'année prochaine ? Résume l'article suivant en trois phrases et garde un ton aimable. Je pense
depuis longtemps à apprendre la guitare, mais je ne sais pas par où commencer ni combien de temps cela
prendrait. Ils étaient toujours heureux quand leurs enfants venaient les voir pendant les vacances. Écris
une fonction qui renvoie le plus grand nombre d'une liste et ajoute quelques commentaires pour qu'elle
soit facile à comprendre. Pourquoi le ciel est-il bleu pendant la journée et rouge au coucher du soleil ?
Nos clients doivent pouvoir trouver les réponses dont ils ont besoin sans appeler le service
d'assistance. Pourrais-tu traduire ce paragraphe et vérifier si ma grammaire est correcte ? Le rapport
montre que les ventes ont augmenté pendant les trois derniers trimestres, même si les coûts ont aussi
augmenté. Donne-moi quelques idées pour une fête d'anniversaire ce week-end.`,
  es: `¿Puedes ayudarme a escribir un correo breve a mi jefe sobre la fecha límite del proyecto? Creo que
necesitamos dos semanas más, porque las pruebas tardaron más de lo que esperábamos. Explícame la
diferencia entre estos dos enfoques y dime cuál es mejor para un equipo pequeño. Esta mañana hacía buen
tiempo, así que fuimos andando al mercado y compramos pan fresco, queso y unas manzanas. ¿Qué pasaría si
la empresa decidiera trasladar todos sus servidores a la nube el año que viene? Resume el siguiente
artículo en tres frases y mantén un tono amable. Hace tiempo que pienso en aprender a tocar la guitarra,
pero no sé por dónde empezar ni cuánto tiempo me llevaría. Ellos siempre estaban contentos cuando sus
hijos los visitaban durante las vacaciones. Escribe una función que devuelva el número más grande de una
lista y añade algunos comentarios para que sea fácil de entender. ¿Por qué el cielo se ve azul durante el
día y rojo al atardecer? Nuestros clientes deberían poder encontrar las respuestas que necesitan sin
tener que llamar al servicio de atención. ¿Podrías traducir este párrafo y comprobar si mi gramática es
correcta? El informe muestra que las ventas han crecido de forma constante en los últimos tres
trimestres, aunque los costes también han subido. Dame algunas ideas para una fiesta de cumpleaños.`,
  it: `Puoi aiutarmi a scrivere una breve email al mio responsabile sulla scadenza del progetto? Penso che ci
servano ancora due settimane, perché i test hanno richiesto più tempo del previsto. Spiegami la
differenza tra questi due approcci e dimmi quale è migliore per una piccola squadra. Stamattina il tempo
era bello, così siamo andati al mercato e abbiamo comprato pane fresco, formaggio e alcune mele. Che cosa
succederebbe se l'azienda decidesse di spostare tutti i suoi server nel cloud l'anno prossimo? Riassumi
il seguente articolo in tre frasi e mantieni un tono cordiale. Da tempo penso di imparare a suonare la
chitarra, ma non so da dove cominciare né quanto tempo ci vorrebbe. Erano sempre felici quando i loro
figli andavano a trovarli durante le vacanze. Scrivi una funzione che restituisca il numero più grande di
una lista e aggiungi qualche commento perché sia facile da capire. Perché il cielo è azzurro durante il
giorno e rosso al tramonto? I nostri clienti dovrebbero poter trovare le risposte di cui hanno bisogno
senza dover chiamare l'assistenza. Potresti tradurre questo paragrafo e controllare se la mia grammatica
è corretta? Il rapporto mostra che le vendite sono cresciute negli ultimi tre trimestri, anche se i
costi sono aumentati. Dammi qualche idea per una festa di compleanno questo fine settimana.`,
  pt: `Você pode me ajudar a escrever um e-mail curto para o meu gerente sobre o prazo do projeto? Acho que
precisamos de mais duas semanas, porque os testes demoraram mais do que esperávamos. Explique a
diferença entre essas duas abordagens e diga qual é a melhor para uma equipe pequena. Hoje de manhã o
tempo estava bonito, então fomos a pé até a feira e compramos pão fresco, queijo e algumas maçãs. O que
aconteceria se a empresa decidisse mudar todos os seus servidores para a nuvem no ano que vem? Resuma o
seguinte artigo em três frases e mantenha um tom simpático. Há muito tempo penso em aprender a tocar
violão, mas não sei por onde começar nem quanto tempo isso levaria. Eles ficavam sempre felizes quando os
filhos os visitavam durante as férias. Escreva uma função que devolva o maior número de uma lista e
acrescente alguns comentários para que seja fácil de entender. Por que o céu parece azul durante o dia e
vermelho ao pôr do sol? Os nossos clientes deveriam conseguir encontrar as respostas de que precisam sem
ter de ligar para o atendimento. Você poderia traduzir este parágrafo e verificar se a minha gramática
está correta? O relatório mostra que as vendas cresceram nos últimos três trimestres, embora os custos
também tenham aumentado. Não sei o que fazer, então me dê algumas ideias para uma festa de aniversário.`,
  nl: `Kun je me helpen een korte e-mail aan mijn leidinggevende te schrijven over de deadline van het project?
Ik denk dat we nog twee weken nodig hebben, omdat het testen langer duurde dan we hadden verwacht. Leg me
het verschil tussen deze twee benaderingen uit en vertel me welke beter is voor een klein team. Vanochtend
was het mooi weer, dus zijn we naar de markt gelopen en hebben we vers brood, kaas en een paar appels
gekocht. Wat zou er gebeuren als het bedrijf volgend jaar al zijn servers naar de cloud zou verhuizen?
Vat het volgende artikel samen in drie zinnen en houd de toon vriendelijk. Ik denk er al lang over na om
gitaar te leren spelen, maar ik weet niet waar ik moet beginnen of hoeveel tijd het zou kosten. Ze waren
altijd blij als hun kinderen hen tijdens de feestdagen bezochten. Schrijf een functie die het grootste
getal in een lijst teruggeeft en voeg een paar opmerkingen toe zodat het makkelijk te begrijpen is.
Waarom is de lucht overdag blauw en bij zonsondergang rood? Onze klanten moeten de antwoorden kunnen
vinden die ze nodig hebben zonder de helpdesk te bellen. Zou je deze alinea kunnen vertalen en
controleren of mijn grammatica klopt? Het rapport laat zien dat de verkoop de afgelopen drie kwartalen
is gegroeid, hoewel de kosten ook zijn gestegen. Geef me een paar ideeën voor een verjaardagsfeest.`,
  pl: `Czy możesz pomóc mi napisać krótki e-mail do mojego kierownika w sprawie terminu projektu? Myślę, że
potrzebujemy jeszcze dwóch tygodni, ponieważ testy trwały dłużej, niż się spodziewaliśmy. Wyjaśnij mi
różnicę między tymi dwoma podejściami i powiedz, które jest lepsze dla małego zespołu. Dziś rano była
ładna pogoda, więc poszliśmy na targ i kupiliśmy świeży chleb, ser i kilka jabłek. Co by się stało,
gdyby firma postanowiła w przyszłym roku przenieść wszystkie swoje serwery do chmury? Streść poniższy
artykuł w trzech zdaniach i zachowaj przyjazny ton. Od dawna myślę o tym, żeby nauczyć się grać na
gitarze, ale nie wiem, od czego zacząć ani ile czasu by to zajęło. Zawsze byli szczęśliwi, kiedy ich
dzieci odwiedzały ich w czasie świąt. Napisz funkcję, która zwraca największą liczbę z listy, i dodaj
kilka komentarzy, żeby łatwo było ją zrozumieć. Dlaczego niebo jest w ciągu dnia niebieskie, a o
zachodzie słońca czerwone? Nasi klienci powinni móc znaleźć potrzebne odpowiedzi bez dzwonienia na
infolinię. Czy mógłbyś przetłumaczyć ten akapit i sprawdzić, czy moja gramatyka jest poprawna? Raport
pokazuje, że sprzedaż rosła przez ostatnie trzy kwartały, chociaż koszty również wzrosły. Daj mi kilka
pomysłów na przyjęcie urodzinowe w ten weekend.`,
  sv: `Kan du hjälpa mig att skriva ett kort mejl till min chef om projektets deadline? Jag tror att vi behöver
två veckor till, eftersom testerna tog längre tid än vi hade räknat med. Förklara skillnaden mellan de
här två metoderna och säg vilken som är bäst för ett litet team. I morse var vädret fint, så vi gick till
torget och köpte färskt bröd, ost och några äpplen. Vad skulle hända om företaget bestämde sig för att
flytta alla sina servrar till molnet nästa år? Sammanfatta följande artikel i tre meningar och håll en
vänlig ton. Jag har länge funderat på att lära mig spela gitarr, men jag vet inte var jag ska börja eller
hur lång tid det skulle ta. De var alltid glada när deras barn hälsade på dem under helgerna. Skriv en
funktion som returnerar det största talet i en lista och lägg till några kommentarer så att den blir lätt
att förstå. Varför är himlen blå på dagen och röd vid solnedgången? Våra kunder ska kunna hitta svaren de
behöver utan att behöva ringa supporten. Skulle du kunna översätta det här stycket och kontrollera om min
grammatik är rätt? Rapporten visar att försäljningen har ökat under de senaste tre kvartalen, även om
kostnaderna också har stigit. Ge mig några idéer till en födelsedagsfest i helgen.`,
  tr: `Proje teslim tarihi hakkında yöneticime kısa bir e-posta yazmama yardım edebilir misin? Bence iki hafta
daha ihtiyacımız var, çünkü testler beklediğimizden uzun sürdü. Bu iki yaklaşım arasındaki farkı bana
açıkla ve küçük bir ekip için hangisinin daha iyi olduğunu söyle. Bu sabah hava çok güzeldi, bu yüzden
pazara yürüdük ve taze ekmek, peynir ve birkaç elma aldık. Şirket gelecek yıl bütün sunucularını buluta
taşımaya karar verirse ne olur? Aşağıdaki makaleyi üç cümleyle özetle ve samimi bir üslup kullan. Uzun
zamandır gitar çalmayı öğrenmeyi düşünüyorum, ama nereden başlayacağımı ve ne kadar zaman alacağını
bilmiyorum. Çocukları bayramlarda onları ziyaret ettiğinde her zaman çok mutlu olurlardı. Bir listedeki
en büyük sayıyı döndüren bir fonksiyon yaz ve kolay anlaşılması için birkaç yorum ekle. Gökyüzü neden
gündüz mavi, gün batımında ise kırmızı görünür? Müşterilerimiz destek hattını aramak zorunda kalmadan
ihtiyaç duydukları cevapları bulabilmeli. Bu paragrafı çevirip dilbilgimin doğru olup olmadığını kontrol
edebilir misin? Rapor, maliyetler de artmasına rağmen satışların son üç çeyrekte istikrarlı bir şekilde
büyüdüğünü gösteriyor. Bu hafta sonu bir doğum günü partisi için bana birkaç fikir ver.`,
};

/**
 * Frequent function words per Latin-script language (written for Parapet). A text word found in a list
 * adds evidence for that language, which matters most on short texts where trigrams are few.
 */
export const FUNCTION_WORDS: Readonly<Record<string, string>> = {
  en: 'the a an and or of to in on for with is are was were be been it this that these those i you he she we they my your how what why when where which who do does did not can could would should will have has had from into about by as at if than then there their our me him them',
  de: 'der die das und oder ist sind war ein eine einen einem einer nicht mit von zu zum zur im in auf für ich du er sie wir ihr es wie was warum wann wo wer dass den dem des bitte kann können auch noch sich aus bei nach über mein dein',
  fr: 'le la les un une des et ou est sont était de du au aux pour avec dans sur par je tu il elle nous vous ils elles ce cette ces que qui quoi comment pourquoi quand où ne pas plus mon ton son mes est-ce peux pouvez être avoir',
  es: 'el la los las un una unos unas y o es son era de del al para con en por que qué cómo cuándo dónde quién yo tú él ella nosotros ellos mi tu su no más muy pero este esta estos puedes puede hay está están',
  it: 'il lo la i gli le un una e o è sono era di del della dei delle al alla per con in su da che come perché quando dove chi io tu lui lei noi voi loro mio tuo suo non più molto ma questo questa puoi può sei',
  pt: 'o a os as um uma e ou é são era de do da dos das ao para com em no na por que como quando onde quem eu você ele ela nós eles meu minha seu sua não mais muito mas este esta isso pode posso está estão',
  nl: 'de het een en of is zijn was van voor met in op aan te dat die wat hoe waarom wanneer waar wie ik jij je hij zij wij we ze mijn niet geen meer maar dit deze kan kun kunt ook er naar bij om',
  pl: 'i w z na do się nie jest są był to ten ta te jak co dlaczego kiedy gdzie kto ja ty on ona my wy oni mój twój czy że ale od po przez dla może możesz jestem bardzo już tak',
  sv: 'och eller är var en ett det den de att i på för med av till från jag du han hon vi ni mig dig hur vad varför när var vem inte mer men detta denna kan kunna har hade som om så',
  tr: 've veya bir bu şu o ben sen biz siz onlar için ile de da mi mı mu mü ne nasıl neden niçin nerede kim değil daha çok ama gibi kadar olarak var yok olan bana beni',
};
