import type { FunctionComponent } from 'preact';
import type { ApiClient } from '../api';
import { InboundRouteFormPage } from './inbound-route-form';
import { IvrFormPage } from './ivr-form';
import { OutboundRouteFormPage } from './outbound-route-form';
import { QueueFormPage } from './queue-form';
import { RingGroupFormPage } from './ring-group-form';
import { ScheduleFormPage } from './schedule-form';
import { TimeConditionFormPage } from './time-condition-form';
import { TrunkFormPage } from './trunk-form';

type FormPage = FunctionComponent<{ api: ApiClient; tenantId: string; name: string }>;

/**
 * The edit form of each kind, by the route '#/t/<tenant>/<kind>/<name>' ('+new' adds one).
 * Another tenant's id in the URL reaches the same form, whose first read the API answers 404:
 * the page says "not found" and shows nothing of that tenant.
 */
export const EDIT_FORMS: Record<string, FormPage> = {
  trunks: TrunkFormPage,
  ringGroups: RingGroupFormPage,
  inboundRoutes: InboundRouteFormPage,
  outboundRoutes: OutboundRouteFormPage,
  ivrs: IvrFormPage,
  queues: QueueFormPage,
  schedules: ScheduleFormPage,
  timeConditions: TimeConditionFormPage,
};
