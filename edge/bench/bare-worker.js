// Reference for the edge benchmark: the smallest possible Worker route, run in the same local workerd.
export default {
  fetch() {
    return Response.json({ ok: true });
  },
};
