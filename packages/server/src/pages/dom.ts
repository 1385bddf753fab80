// Small DOM helpers shared by the hosted pages' scripts.

/** The element with this id, checked to be of `type`; a missing element is a bug in the page. */
export function byId<T extends HTMLElement = HTMLElement>(id: string, type?: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof (type ?? HTMLElement))) {
    throw new TypeError(`The page is missing #${id}`);
  }
  return element as T;
}

/** The first element matching `selector` inside `root`, checked to be of `type`. */
export function find<T extends Element = HTMLElement>(
  root: ParentNode,
  selector: string,
  type?: new () => T,
): T {
  const element = root.querySelector(selector);
  if (!(element instanceof (type ?? HTMLElement))) {
    throw new TypeError(`The page is missing ${selector}`);
  }
  return element as T;
}
