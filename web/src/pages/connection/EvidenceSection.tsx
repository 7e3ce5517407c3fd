import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { getEvidence, listEvidence } from '../../api/connections';
import type { Evidence } from '../../api/types';
import { useApi } from '../../app/services';
import { DetailPanel } from '../../components/DetailPanel';
import { EmptyState, ErrorMessage, Loading } from '../../components/Feedback';
import { Pager } from '../../components/Pager';
import { RelativeTime } from '../../components/RelativeTime';
import { humanize } from '../../format';
import { keys } from '../../queries/keys';

/** The evidence the connection's syncs collected, each item's data on demand. */
export function EvidenceSection({ id }: { id: string }) {
  const api = useApi();
  const [page, setPage] = useState(1);
  const evidence = useQuery({
    queryKey: keys.connectionEvidence(id, page),
    queryFn: ({ signal }) => listEvidence(api, id, page, signal),
    placeholderData: keepPreviousData,
  });
  if (evidence.isPending) return <Loading what="Loading evidence" />;
  if (evidence.isError) return <ErrorMessage error={evidence.error} retry={() => void evidence.refetch()} />;
  if (evidence.data.data.length === 0) {
    return (
      <EmptyState title="No evidence collected yet">
        <p>Syncs of integrations that collect evidence add items here (MFA coverage, branch protection…).</p>
      </EmptyState>
    );
  }
  return (
    <>
      <ul className="list">
        {evidence.data.data.map((item) => (
          <EvidenceItem key={item.id} connectionId={id} item={item} />
        ))}
      </ul>
      <Pager pagination={evidence.data.pagination} noun="evidence items" onPage={setPage} />
    </>
  );
}

function EvidenceItem({ connectionId, item }: { connectionId: string; item: Evidence }) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const detail = useQuery({
    queryKey: keys.evidenceItem(connectionId, item.id),
    queryFn: ({ signal }) => getEvidence(api, connectionId, item.id, signal),
    enabled: open,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const panel = `evidence-${item.id}`;
  return (
    <li className="list__item">
      <p className="list__title">{humanize(item.kind)}</p>
      <p>{item.summary}</p>
      <p className="quiet">
        Collected <RelativeTime value={item.collected_at} /> · content hash{' '}
        <code title={item.content_hash}>{item.content_hash.slice(0, 12)}…</code>
      </p>
      <button
        type="button"
        className="button button--quiet"
        aria-expanded={open}
        aria-controls={panel}
        onClick={() => setOpen(!open)}
      >
        {open ? 'Hide the data' : 'Show the data'}
        <span className="sr-only"> of {humanize(item.kind)}</span>
      </button>
      <DetailPanel id={panel} open={open} query={detail}>
        {(evidence) => <pre className="code">{JSON.stringify(evidence.data, null, 2)}</pre>}
      </DetailPanel>
    </li>
  );
}
