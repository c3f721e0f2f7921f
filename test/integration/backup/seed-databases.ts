// Sample databases for the logical backup/restore tests: core (a schema and table owned by a
// login role with a password, a table of varied types, a view, a sequence), keycloak, grafana.
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';

/** The plaintext password of the role that owns objects: must never appear in any output. */
export const OWNER_PASSWORD = 'app-owner-Secret-4711';

export async function seedDatabases(c: LocalCluster, rows = 2000): Promise<void> {
  await c.psql(`create role readers nologin`);
  await c.psql(`create role app_owner login password '${OWNER_PASSWORD}'`);
  await c.psql(`grant readers to app_owner`);
  for (const db of ['core', 'keycloak', 'grafana']) await c.psql(`create database ${db}`);
  await c.psql(
    `create schema app authorization app_owner;
     set role app_owner;
     create table app.accounts(id bigserial primary key, email text not null unique, created timestamptz not null default now());
     insert into app.accounts(email, created) select 'user' || g || '@example.com', timestamptz '2025-01-01' + g * interval '1 minute' from generate_series(1, ${rows}) g;
     create view app.recent as select * from app.accounts where id > 10;
     reset role;
     grant usage on schema app to readers;
     grant select on app.accounts to readers;
     create table public.varied(
       id int primary key, n numeric(20,6), f float8, t text, b bytea, j jsonb, ts timestamptz, d date,
       u uuid, arr int[], ok boolean, iv interval, ip inet, r int4range, pt point, nul text);
     insert into public.varied
       select g, g * 1.000001, g / 7.0, repeat('ü€', g % 17) || E'\\t"q''', decode(md5(g::text), 'hex'),
              jsonb_build_object('k', g, 'a', jsonb_build_array(g, 'x', null)), timestamptz '2025-11-08 14:30:00.123456+02' + g * interval '1 second',
              date '2000-02-29' + g, md5(g::text)::uuid, array[g, -g], g % 2 = 0, g * interval '1 day 3 ms', ('10.0.' || (g % 256) || '.1')::inet,
              int4range(g, g + 10), point(g, -g), null
       from generate_series(1, ${rows}) g;`,
    'core',
  );
  await c.psql(
    `create table users(id uuid primary key, username text, attrs jsonb);
     insert into users select md5(g::text)::uuid, 'u' || g, jsonb_build_object('n', g) from generate_series(1, ${rows}) g;
     create table sessions(id bigint generated always as identity primary key, user_id uuid references users, started timestamptz);
     insert into sessions(user_id, started) select md5((g % ${rows} + 1)::text)::uuid, timestamptz '2025-06-01' + g * interval '1 hour' from generate_series(1, ${rows}) g;`,
    'keycloak',
  );
  await c.psql(
    `create table dashboard(id serial primary key, title text, data jsonb, updated timestamp);
     insert into dashboard(title, data, updated) select 'dash ' || g, jsonb_build_object('panels', g % 9), timestamp '2024-02-29 23:59:59.999999' - g * interval '1 hour' from generate_series(1, ${rows}) g;`,
    'grafana',
  );
}
