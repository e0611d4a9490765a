/** Follows a paged read's nextToken to the end, keeping each page apart so tests can check page sizes. */
export async function allPages<T>(fetch: (token?: string) => Promise<{ items: T[]; nextToken?: string }>): Promise<T[][]> {
  const pages: T[][] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    pages.push(page.items);
    token = page.nextToken;
  } while (token);
  return pages;
}
