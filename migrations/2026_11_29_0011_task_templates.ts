import { type Kysely, sql } from 'kysely';

// Ready-made monitors the dashboard offers when creating a task ("Need inspiration?").
// Templates change only through migrations (there are no write endpoints). Each has a fixed
// id (UUID v5 of "https://torale.ai/templates/<name>" in the URL namespace, computed once
// and written here), so links and tests can name a template on every database.
const TEMPLATES = [
  {
    id: 'b7be2bfd-a81b-54c9-9680-97632e2d1c5a',
    name: 'GTA VI Release Date',
    description: 'Get notified the moment Rockstar announces the exact release date',
    category: 'Gaming',
    icon: '🎮',
    search_query: 'Has Rockstar Games announced the specific release date for Grand Theft Auto VI?',
    condition_description: 'A specific release date (day/month) is officially confirmed by Rockstar',
  },
  {
    id: '637c4da2-345f-51a2-80cb-5ea68f17ca96',
    name: 'SpaceX Starship Launch',
    description: 'Track the next orbital flight test schedule',
    category: 'Space',
    icon: '🚀',
    search_query: 'When is the next SpaceX Starship orbital flight test scheduled?',
    condition_description: 'An official launch window or date is announced by SpaceX or FAA',
  },
  {
    id: '4cdbce7a-3d15-5033-8643-f532aebc504e',
    name: 'Mortgage Rate Drop',
    description: 'Alert me when 30-year fixed rates drop below 5.5%',
    category: 'Finance',
    icon: '📉',
    search_query: 'What is the current average 30-year fixed mortgage rate in the US?',
    condition_description: 'The average rate drops below 5.5%',
  },
  {
    id: '419ffd7c-e6c7-5205-aee1-f646a103eb72',
    name: 'Northern Lights London',
    description: 'Monitor space weather forecasts for aurora visibility in the UK',
    category: 'Nature',
    icon: '🌌',
    search_query:
      'Is there a high probability of seeing the Northern Lights in Southern England/London tonight or tomorrow?',
    condition_description: 'Forecast indicates high KP index or red alert for Southern UK visibility',
  },
  {
    id: 'e5724b03-aa50-5513-9044-2e539b665899',
    name: 'Vintage Film Restock',
    description: 'Check if Kodak Gold 200 is back in stock at major UK retailers',
    category: 'Photography',
    icon: '📸',
    search_query: 'Is Kodak Gold 200 35mm film in stock at Analogue Wonderland or Parallax?',
    condition_description: 'Film is listed as "In Stock" and available for purchase',
  },
  {
    id: 'ef60451e-f057-5cf5-9bbf-e4a138c377c5',
    name: 'iPhone 18 Rumors',
    description: 'Weekly digest of credible iPhone 18 leaks and specs',
    category: 'Tech',
    icon: '📱',
    search_query: 'What are the latest credible rumors and leaks for the iPhone 18 lineup?',
    condition_description: 'New credible leaks about specs, design, or release timing from major sources',
  },
  {
    id: '50695b41-3f8a-5680-b15f-f0268d30691c',
    name: 'Weekend Train Strikes',
    description: 'Warn me if there are train strikes planned for this weekend',
    category: 'Travel',
    icon: '🚆',
    search_query: 'Are there any rail strikes planned in the UK for this coming weekend?',
    condition_description: 'Strikes are confirmed that affect major rail lines this weekend',
  },
  {
    id: '884df34b-5b2a-59be-8090-f33b9debdc44',
    name: 'Anthropic Jobs',
    description: 'Notify me when new "Prompt Engineer" roles open in London',
    category: 'Careers',
    icon: '💼',
    search_query: 'Are there any open "Prompt Engineer" or "Research Engineer" roles at Anthropic in London?',
    condition_description: 'A new job listing matching the title and location is found',
  },
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('task_templates')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('icon', 'text')
    .addColumn('search_query', 'text', (c) => c.notNull())
    .addColumn('condition_description', 'text', (c) => c.notNull())
    .addColumn('is_active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create trigger task_templates_set_updated_at before update on task_templates
    for each row execute function set_updated_at()`.execute(db);
  // The list is ordered by category, then name, over the active ones.
  await sql`create index task_templates_active_category on task_templates (category, name) where is_active`.execute(db);
  await (db as Kysely<{ task_templates: (typeof TEMPLATES)[number] }>)
    .insertInto('task_templates')
    .values(TEMPLATES)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('task_templates').execute();
}
