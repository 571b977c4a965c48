/** Stands for a value only known after deployment (an id, an endpoint) when evaluating as a preview. */
export const COMPUTED = "[computed]";
