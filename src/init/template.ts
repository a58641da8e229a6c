/**
 * Fills `{{NAME}}` placeholders. Workflow expressions (`${{ … }}`) are left
 * alone, and a placeholder without a value is an error rather than a broken
 * file written into a user's repository.
 */
export function fillTemplate(text: string, vars: Readonly<Record<string, string>>, source: string): string {
  return text.replace(/(?<!\$)\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`${source}: no value for the placeholder {{${name}}}`);
    return value;
  });
}
