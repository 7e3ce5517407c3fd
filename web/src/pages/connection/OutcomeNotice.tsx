import type { Outcome } from './outcome';

/** An action's result; inside a live region so it is announced. */
export function OutcomeNotice({ outcome }: { outcome: Outcome }) {
  return (
    <div className={`outcome outcome--${outcome.tone}`}>
      <p className="outcome__title">{outcome.title}</p>
      <p>{outcome.text}</p>
      {outcome.facts && outcome.facts.length > 0 ? (
        <ul>
          {outcome.facts.map((fact) => (
            <li key={fact}>{fact}</li>
          ))}
        </ul>
      ) : null}
      {outcome.advice ? <p className="outcome__advice">{outcome.advice}</p> : null}
    </div>
  );
}
