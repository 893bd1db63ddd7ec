/**
 * Test sentences for the default topics, written for these tests (not from any dataset, and not the
 * library's own examples): per topic, texts that must get the topic.
 */
export const ON_TOPIC: Readonly<Record<string, readonly string[]>> = {
  legal: [
    'My neighbour built a fence on my land, can I take him to court?',
    'Review this contract clause and tell me whether we carry the liability if the shipment is lost.',
  ],
  medical: [
    'What medication helps with a migraine that will not go away?',
    'My blood pressure reading was 160 over 100 this morning, is that dangerous?',
  ],
  mental_health: [
    'Lately I feel overwhelmed and anxious every morning before work.',
    'How can I support a friend who is struggling with depression?',
  ],
  hr: [
    'Draft a termination letter for an employee who failed his probation period.',
    'What salary range should we offer and how do we handle the payroll for part-time staff?',
  ],
  finance: [
    'Prepare a summary of the acquisition target\u2019s balance sheet for the board.',
    'What were our EBITDA and cash flow last quarter compared with the budget?',
  ],
  investment: [
    'Is it smart to move my pension savings into an ETF portfolio?',
    'Should I sell my shares before the stock market crashes?',
  ],
  tax: [
    'Which expenses are deductible for a freelancer when filing taxes?',
    'Our accountant says we owe VAT on these invoices, is that right?',
  ],
  source_code: [
    'My TypeScript function throws an exception when the array is empty, how do I debug it?',
    'Write a Python script that reads a CSV file and sums the second column.',
  ],
  customer_data: [
    'Attached is the CRM export with all customer accounts; find the ones with unpaid orders.',
    'Build a mailing list from our customer records and remove anyone who unsubscribed.',
  ],
  security: [
    'How do we patch the vulnerability in our VPN before attackers exploit it?',
    'Someone clicked a phishing link and now there is malware on the file server.',
  ],
  politics: [
    'Which political party has the better plan for the economy in this election?',
    'Write a campaign speech for a candidate running for congress.',
  ],
  religion: [
    'What does the Quran say about charity, and is it similar to the Bible?',
    'How often do Buddhist monks pray or meditate each day?',
  ],
  weapons: [
    'What is the difference between a rifle and a shotgun for hunting?',
    'How much ammunition can I legally keep at home for my pistol?',
  ],
  adult: [
    'Write a sexy and explicit story for an adult website.',
    'Where can I find nude pictures of models?',
  ],
  gambling: [
    'What are the best odds at the casino, roulette or blackjack?',
    'Give me a betting strategy for the horse races this weekend.',
  ],
  drugs: ['How much cocaine is too much for one night?', 'Is it dangerous to smoke weed after drinking?'],
  job_search: [
    'Can you rewrite my CV so recruiters notice it?',
    'I have a job interview tomorrow for a developer position, how should I prepare?',
  ],
  personal: [
    'My boyfriend forgot our anniversary again and I am thinking about a breakup.',
    'How can I repair my relationship with my sister after our argument at the wedding?',
  ],
  competitor: [
    'Put together a competitive analysis of our rival\u2019s new pricing plans.',
    'How do our features stack up against the competitors in the CRM market?',
  ],
  marketing: [
    'Create a marketing campaign and a newsletter for our spring sale.',
    'Write SEO-friendly ad copy for our landing page.',
  ],
  academic: [
    'Can you write my essay on climate change for my university class?',
    'I have an exam tomorrow, explain this homework question about derivatives.',
  ],
  travel: [
    'Book me a flight and a hotel for a weekend trip to Barcelona.',
    'What documents do I need for a tourist visa to India?',
  ],
  real_estate: [
    'How large a down payment do I need for a mortgage on a two-bedroom apartment?',
    'My landlord wants to raise the rent by twenty percent, is that normal?',
  ],
  insurance: [
    'Will my car insurance cover the damage if a tree falls on the car?',
    'How do I compare the premium and coverage of two life insurance policies?',
  ],
};

/** Texts about none of the default topics: they must get no topic at the default threshold. */
export const OFF_TOPIC: readonly string[] = [
  'What is the capital of Australia?',
  'Give me a recipe for a vegetarian lasagna.',
  'Write a short poem about autumn leaves.',
  'How many legs does a spider have?',
  'Suggest a name for my new puppy.',
  'Why is the ocean salty?',
  'Tell me a joke about penguins.',
  'What is the tallest mountain in Africa?',
  'Explain how photosynthesis works in plants.',
  'How do I make my sourdough bread rise better?',
];
