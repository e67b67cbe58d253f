import type { CustomerStatus } from '@journeys/contracts';

/**
 * Everything the status widget says, per language. The widget picks the catalogue by its
 * `lang` (or the page's, or the browser's): `fr…` → French, anything else → English; dates
 * are formatted by Intl in that same language. Stage and step labels come from the server
 * as the departments name them and are shown as they are.
 *
 * A journey type the catalogue does not know gets the neutral title ("Your request"), never
 * its raw identifier.
 */
export interface Messages {
  /** Title per journey type; `request` is the fallback. */
  types: Record<string, string> & { request: string };
  state: Record<CustomerStatus['state'], string>;
  outcome: Record<NonNullable<CustomerStatus['outcome']>, string>;
  /** "We are working on it — <stage>" */
  atStage(state: string, stage: string): string;
  completedWith(state: string, outcome: string): string;
  progress: string;
  promisedBy: string;
  onTrack: string;
  runningLate: string;
  completedLate: string;
  /** "Expected by <date>", with the range "(between <a> and <b>)" */
  expectedBy: string;
  between: string;
  and: string;
  trendingLate: string;
  /** Screen readers: the typical stages after the current one. */
  ahead: string;
  lastUpdate: string;
  noRequest: string;
  expired: string;
  notFound: string;
  unavailable: string;
}

export const CATALOGUE = {
  en: {
    types: {
      request: 'Your request',
      'it-incident': 'Your IT incident',
      'insurance-claim': 'Your insurance claim',
      'loan-application': 'Your loan application',
      order: 'Your order',
    },
    state: {
      'in-progress': 'We are working on it',
      'waiting-on-you': 'We are waiting for something from you',
      completed: 'Your request is complete',
    },
    outcome: { resolved: 'resolved', rejected: 'declined', withdrawn: 'withdrawn' },
    atStage: (state, stage) => `${state} — ${stage}`,
    completedWith: (state, outcome) => `${state}: ${outcome}`,
    progress: 'Progress',
    promisedBy: 'Promised by',
    onTrack: 'on track',
    runningLate: 'running late',
    completedLate: 'completed late',
    expectedBy: 'Expected by',
    between: 'between',
    and: 'and',
    trendingLate: 'later than promised',
    ahead: 'still to come',
    lastUpdate: 'Last update',
    noRequest: 'No request to show.',
    expired: 'This status link has expired or is not valid. Please ask us for a new one.',
    notFound: 'We could not find this request.',
    unavailable: 'Status is unavailable right now; we will keep trying.',
  },
  fr: {
    types: {
      request: 'Votre demande',
      'it-incident': 'Votre incident informatique',
      'insurance-claim': 'Votre déclaration de sinistre',
      'loan-application': 'Votre demande de prêt',
      order: 'Votre commande',
    },
    state: {
      'in-progress': 'Nous y travaillons',
      'waiting-on-you': 'Nous attendons un élément de votre part',
      completed: 'Votre demande est terminée',
    },
    outcome: { resolved: 'résolue', rejected: 'refusée', withdrawn: 'retirée' },
    atStage: (state, stage) => `${state} — ${stage}`,
    completedWith: (state, outcome) => `${state} : ${outcome}`,
    progress: 'Avancement',
    promisedBy: 'Promis pour le',
    onTrack: 'dans les temps',
    runningLate: 'en retard',
    completedLate: 'terminée en retard',
    expectedBy: 'Fin prévue le',
    between: 'entre le',
    and: 'et le',
    trendingLate: 'plus tard que promis',
    ahead: 'à venir',
    lastUpdate: 'Dernière mise à jour',
    noRequest: 'Aucune demande à afficher.',
    expired: 'Ce lien de suivi a expiré ou n’est pas valide. Demandez-nous-en un nouveau.',
    notFound: 'Nous ne trouvons pas cette demande.',
    unavailable: 'Le suivi est indisponible pour le moment ; nous réessayons.',
  },
} satisfies Record<string, Messages>;
export type CatalogueLanguage = keyof typeof CATALOGUE;

/** The catalogue for a BCP 47 tag, and the language it is in (for the `lang` attribute). */
export function messagesFor(tag: string | undefined): { lang: CatalogueLanguage; m: Messages } {
  const primary = (tag ?? '').toLowerCase().split(/[-_]/)[0] ?? '';
  const lang: CatalogueLanguage = primary in CATALOGUE ? (primary as CatalogueLanguage) : 'en';
  return { lang, m: CATALOGUE[lang] };
}

export function titleFor(m: Messages, journeyType: string | null): string {
  return (journeyType !== null && Object.hasOwn(m.types, journeyType) ? m.types[journeyType] : undefined) ?? m.types.request;
}
