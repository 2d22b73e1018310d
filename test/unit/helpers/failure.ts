/** Resolves to {name, code, message} of the error `p` rejects with (fails the test if it resolves). */
export async function failure(p: Promise<unknown>): Promise<{ name: string; code?: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return { name: (e as Error).constructor.name, code: (e as { code?: string }).code, message: (e as Error).message };
  }
  throw new Error('expected a rejection');
}
