/** After a label: a visible star, and "(required)" for screen readers (the star is hidden from them). */
export function RequiredMark({ required }: { required: boolean }) {
  if (!required) return null;
  return (
    <>
      <span className="required" aria-hidden="true">
        {' '}
        *
      </span>
      <span className="sr-only"> (required)</span>
    </>
  );
}
