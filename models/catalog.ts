import type { Knex } from 'knex';

export interface Product {
  id: string;
  name: string;
  minComputers: number;
  maxComputers: number;
}

export interface Plan {
  id: string;
  productId: string;
  name: string;
  yearlyPriceCents: number;
}

export const TERMS_IN_YEARS = [1, 2, 3] as const;

export interface Catalog {
  products: Product[];
  plans: Plan[];
}

// Reference data from a migration: read once per process.
let cached: Promise<Catalog> | undefined;

export function loadCatalog(db: Knex): Promise<Catalog> {
  cached ??= (async () => {
    const products = await db('products').orderBy('sort_order').select('id', 'name', 'min_computers', 'max_computers');
    const plans = await db('plans').orderBy(['product_id', 'sort_order']).select('id', 'product_id', 'name', 'yearly_price_cents');
    return {
      products: products.map((p) => ({ id: p.id, name: p.name, minComputers: p.min_computers, maxComputers: p.max_computers })),
      plans: plans.map((p) => ({ id: p.id, productId: p.product_id, name: p.name, yearlyPriceCents: p.yearly_price_cents })),
    };
  })().catch((error) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

// The names shown for a product or a plan; an id the catalog does not know shows as itself.
export function productName(catalog: Catalog, productId: string): string {
  return catalog.products.find((p) => p.id === productId)?.name ?? productId;
}

export function planName(catalog: Catalog, planId: string): string {
  return catalog.plans.find((p) => p.id === planId)?.name ?? planId;
}

export function totalPriceCents(plan: Plan, computers: number, termYears: number): number {
  return plan.yearlyPriceCents * computers * termYears;
}
