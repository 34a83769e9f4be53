import type { Labels } from '../alerts/model.js';
import { allMatch, formatLabelSet, type Matcher } from './matchers.js';

/*
 * The routing tree, with Alertmanager's semantics (dispatch/route.go): options are inherited from
 * the parent unless set; an alert descends depth-first, left to right; a child that matches stops
 * the search among its siblings unless it has `continue`; a node none of whose children match is
 * itself the match.
 */

export interface RouteOptions {
  receiver: string;
  /** Label names to group by, sorted; null means every label (`group_by: ['...']`). */
  groupBy: readonly string[] | null;
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  muteTimeIntervals: readonly string[];
  activeTimeIntervals: readonly string[];
}

export interface Route {
  /** Position in the tree: `0` is the root, `0.2` its third child. Stable for one configuration. */
  path: string;
  /** Alertmanager's route key: the parent's key, `/`, and this route's sorted matchers, e.g. `{}/{env="prod"}`. */
  key: string;
  matchers: readonly Matcher[];
  continue: boolean;
  options: RouteOptions;
  routes: readonly Route[];
}

export const DEFAULT_ROUTE_OPTIONS: Omit<RouteOptions, 'receiver'> = {
  groupBy: [],
  groupWaitMs: 30_000,
  groupIntervalMs: 5 * 60_000,
  repeatIntervalMs: 4 * 3_600_000,
  muteTimeIntervals: [],
  activeTimeIntervals: [],
};

/** The routes an alert with these labels is sent through, in tree order. */
export function matchRoutes(route: Route, labels: Labels): Route[] {
  if (!allMatch(route.matchers, labels)) return [];
  const all: Route[] = [];
  for (const child of route.routes) {
    const matches = matchRoutes(child, labels);
    all.push(...matches);
    if (matches.length > 0 && !child.continue) break;
  }
  if (all.length === 0) all.push(route);
  return all;
}

/** The labels an alert is grouped by on this route (labels it lacks are left out, as Alertmanager does). */
export function groupLabelsFor(route: Route, labels: Labels): Labels {
  const groupBy = route.options.groupBy;
  if (groupBy === null) return { ...labels };
  const out: Labels = {};
  for (const name of groupBy) {
    const value = labels[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Alertmanager's group key, as receivers see it in `groupKey`. */
export function groupKeyFor(route: Route, groupLabels: Labels): string {
  return `${route.key}:${formatLabelSet(groupLabels)}`;
}

export function walkRoutes(route: Route, visit: (r: Route) => void): void {
  visit(route);
  for (const child of route.routes) walkRoutes(child, visit);
}

export function findRoute(root: Route, path: string): Route | null {
  let found: Route | null = null;
  walkRoutes(root, (r) => {
    if (r.path === path) found = r;
  });
  return found;
}
