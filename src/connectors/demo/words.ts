/** Vocabulary for the demo records. Lengths matter only for how many unique names exist per round. */

type Words = readonly [string, ...string[]];

// Space-separated lists keep the vocabulary readable; the formatter would put each word on a line.
function words(text: string): Words {
  const [first, ...rest] = text.trim().split(/\s+/);
  if (first === undefined || first === '') throw new Error('a word list cannot be empty');
  return [first, ...rest];
}

export const FIRST_NAMES = words(`
  Ada Alan Amara Ana Arjun Beatriz Carlos Chen Dmitri Elena Fatima Grace Hana Ibrahim Ines Jamal Jun
  Kai Katarina Lars Leila Linus Lucia Malik Margaret Mei Nadia Niamh Omar Priya Rafael Ravi Rosa Sven
  Tariq Tomas Uma Yara Yusuf Zofia
`);

export const LAST_NAMES = words(`
  Abara Andersen Bianchi Castro Dubois Eriksson Fernandes Fischer Garcia Haddad Hopper Ivanova Jensen
  Kahale Kim Kowalski Lamarr Lovelace Mensah Moreau Nakamura Novak Okafor Olsen Patel Petrov Quinn
  Rossi Sato Schmidt Silva Singh Tanaka Torvalds Turing Varga Wang Weber Yilmaz Zhang
`);

export const DEPARTMENTS = words(`
  Engineering Security Platform Data Design Finance Legal Marketing Operations People Product Sales
  Support Compliance
`);

export const JOB_TITLES = words('Engineer Analyst Specialist Manager Director Architect Coordinator Lead');

export const SENIORITIES = words('Junior Senior Staff Principal');

export const GROUP_KINDS = words('Team Admins Reviewers On-Call Readers Contractors Leads Guild');

export const REPO_ADJECTIVES = words(`
  amber brisk cobalt crimson dusty eager fabled gentle hollow ivory jolly keen lunar mellow nimble opal
  polar quiet rapid silent tidal umber vivid woven young zesty
`);

export const REPO_NOUNS = words(`
  api bridge cache console daemon engine gateway harbor index ledger mesh notifier portal queue relay
  scheduler service toolkit vault worker
`);

export const LANGUAGES = words('TypeScript Go Python Rust Java Kotlin Ruby HCL');
