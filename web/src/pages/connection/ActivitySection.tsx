import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { getSyncActivity } from '../../api/dashboard';
import { useApi } from '../../app/services';
import { ActivityChart, RangeToggle } from '../../components/ActivityChart';
import { ErrorMessage, Loading } from '../../components/Feedback';
import { keys } from '../../queries/keys';

/** This connection's runs and items per hour. */
export function ActivitySection({ id }: { id: string }) {
  const api = useApi();
  const [hours, setHours] = useState(24);
  const activity = useQuery({
    queryKey: keys.connectionActivity(id, hours),
    queryFn: ({ signal }) => getSyncActivity(api, hours, id, signal),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <RangeToggle hours={hours} onChange={setHours} label="Period of the connection's activity" />
      {activity.isPending ? (
        <Loading what="Loading activity" />
      ) : activity.isError ? (
        <ErrorMessage error={activity.error} retry={() => void activity.refetch()} />
      ) : (
        <ActivityChart id={`connection-${id}-activity`} activity={activity.data} hours={hours} />
      )}
    </>
  );
}
