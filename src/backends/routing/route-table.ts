/**
 * Which backends serve which resource types and interactions, from FHIR_ROUTES (or the defaults in
 * backends-config.ts). Types without a rule, and every write, stay on the primary server.
 */
import { PRIMARY_BACKEND, type RouteRule } from '../../config/index.js';

export type RoutedInteraction = 'read' | 'vread' | 'search-type';
const ALL: readonly RoutedInteraction[] = ['read', 'vread', 'search-type'];

export class RouteTable {
  private readonly table = new Map<string, readonly string[]>();

  constructor(rules: readonly RouteRule[]) {
    for (const rule of rules) {
      for (const type of rule.types) {
        for (const interaction of (rule.interactions as RoutedInteraction[] | undefined) ?? ALL) {
          const key = `${type}|${interaction}`;
          if (!this.table.has(key)) this.table.set(key, [...new Set(rule.backends)]); // first rule wins
        }
      }
    }
  }

  /** Backends for a type and interaction, in merge order; the primary alone when no rule applies. */
  backendsFor(resourceType: string, interaction: RoutedInteraction): readonly string[] {
    return this.table.get(`${resourceType}|${interaction}`) ?? [PRIMARY_BACKEND];
  }

  /** True when `backend` may serve this interaction on this type. */
  allows(resourceType: string, interaction: RoutedInteraction, backend: string): boolean {
    return this.backendsFor(resourceType, interaction).includes(backend);
  }
}
