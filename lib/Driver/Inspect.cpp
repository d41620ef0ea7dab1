//===- Inspect.cpp - kiln inspect ---------------------------------*- C++ -*-===//
//
// The signature of a graph or artifact; for a graph also its nodes, the
// kernels the compiler forms from them (after the graph passes, lowering and
// kiln-fuse), the bytes each kernel reads and writes, and optionally a
// Graphviz picture with one cluster per kernel.
//
//===----------------------------------------------------------------------===//
#include "kiln/Conversion/Kernels.h"
#include "kiln/Conversion/MemoryPlan.h"
#include "kiln/Driver/Driver.h"
#include "kiln/Driver/Session.h"
#include "kiln/Pipelines/Pipelines.h"
#include "kiln/Target/CPU.h"

#include "dialects/kiln/IR/KilnDialect.h"
#include "dialects/kiln/IR/KilnOps.h"
#include "dialects/kiln/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "kiln/runtime.h"

#include <map>

using namespace mlir;
using namespace mlir::kiln;

namespace {


void printTensor(llvm::raw_ostream &os, StringRef kind, const char *name,
                 int32_t dtype, int32_t rank, const int64_t *dims,
                 const char *const *exprs) {
  os << "  " << kind << " " << name << ": " << getDtypeName(dtype) << " [";
  for (int32_t i = 0; i < rank; ++i) {
    os << (i ? ", " : "");
    if (dims[i] >= 0)
      os << dims[i];
    else
      os << exprs[i];
  }
  os << "]\n";
}

void printSignatureTensor(llvm::raw_ostream &os, StringRef kind,
                          const TensorSignature &t) {
  SmallVector<const char *> exprs;
  for (const std::string &e : t.exprs)
    exprs.push_back(e.c_str());
  printTensor(os, kind, t.name.c_str(), t.dtype, t.dims.size(), t.dims.data(),
              exprs.data());
}

int inspectArtifact(const std::string &path) {
  kiln_model *model = nullptr;
  if (kiln_model_open(path.c_str(), &model) != KILN_OK) {
    llvm::errs() << "kiln inspect: error: " << kiln_last_error() << "\n";
    return 1;
  }
  const kiln_graph_desc &d = *kiln_model_describe(model);
  llvm::raw_ostream &os = llvm::outs();
  os << "graph " << d.name << " (ABI v" << d.abi_version << ")\n";
  for (int32_t i = 0; i < d.num_inputs; ++i)
    printTensor(os, "input ", d.inputs[i].name, d.inputs[i].dtype,
                d.inputs[i].rank, d.inputs[i].dims, d.inputs[i].dim_exprs);
  for (int32_t i = 0; i < d.num_outputs; ++i)
    printTensor(os, "output", d.outputs[i].name, d.outputs[i].dtype,
                d.outputs[i].rank, d.outputs[i].dims, d.outputs[i].dim_exprs);
  os << "  workspace: " << d.workspace_size << " bytes\n";
  kiln_model_close(model);
  return 0;
}

std::string formatBytes(int64_t bytes) {
  return bytes < 0 ? std::string("dynamic") : std::to_string(bytes) + " B";
}

/// "workspace: W (B buffers, S in all; at most L live at once)", and the
/// buffers left to run-time allocation (dynamic shapes).
void printWorkspacePlan(llvm::raw_ostream &os, ModuleOp module) {
  auto size = module->getAttrOfType<IntegerAttr>(kWorkspaceSizeAttr);
  func::FuncOp graph = *findGraph(module);
  auto plan = graph->getAttrOfType<ArrayAttr>(kMemoryPlanAttr);
  std::vector<PlannedBuffer> buffers;
  int64_t sum = 0;
  for (Attribute a : plan ? plan.getValue() : ArrayRef<Attribute>()) {
    ArrayRef<int64_t> b = cast<DenseI64ArrayAttr>(a).asArrayRef();
    buffers.push_back({b[1], b[2], b[3], b[0]});
    sum += b[1];
  }
  unsigned dynamic = 0;
  graph.walk([&](memref::AllocOp) { ++dynamic; });
  os << "  workspace: " << formatBytes(size ? size.getInt() : 0) << " ("
     << buffers.size() << (buffers.size() == 1 ? " buffer, " : " buffers, ")
     << formatBytes(sum) << " in all; at most "
     << formatBytes(maxLiveBytes(buffers, kWorkspaceAlignment))
     << " live at once)\n";
  if (dynamic)
    os << "  allocated at run time: " << dynamic
       << (dynamic == 1 ? " buffer" : " buffers")
       << " (dynamic shapes; pin them with --shape)\n";
}

/// Counts of kiln ops (regions included) by op name.
unsigned countNodes(func::FuncOp graph,
                    std::map<std::string, unsigned> *byOp = nullptr) {
  unsigned nodes = 0;
  graph->walk([&](Operation *op) {
    if (!isa<KilnDialect>(op->getDialect()))
      return;
    if (byOp)
      ++(*byOp)[op->getName().stripDialect().str()];
    ++nodes;
  });
  return nodes;
}

std::string dotEscape(StringRef s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

std::string typeLabel(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  if (auto tensor = dyn_cast<RankedTensorType>(type)) {
    os << tensor.getElementType() << "[";
    for (auto [i, d] : llvm::enumerate(tensor.getShape()))
      os << (i ? "," : "") << (ShapedType::isDynamic(d) ? "?" : std::to_string(d));
    os << "]";
  } else {
    os << type;
  }
  return s;
}

/// A Graphviz picture of the optimized graph: inputs and outputs as
/// ellipses, kiln ops as boxes, each kernel a cluster of the nodes whose
/// work it does.
void writeDot(llvm::raw_ostream &os, func::FuncOp graph,
              const std::vector<KernelInfo> &kernels) {
  std::map<std::string, size_t> kernelOf;
  for (auto [i, kernel] : llvm::enumerate(kernels))
    for (const std::string &node : kernel.nodes)
      kernelOf.emplace(node, i);

  os << "digraph \"" << dotEscape(graph.getSymName()) << "\" {\n"
     << "  rankdir=TB;\n"
     << "  node [shape=box, style=\"rounded,filled\", fillcolor=white, "
        "fontname=\"Helvetica\", fontsize=10];\n"
     << "  edge [fontname=\"Helvetica\", fontsize=8];\n";
  DenseMap<Value, std::string> source;
  for (BlockArgument arg : graph.getArguments()) {
    std::string id = "in" + std::to_string(arg.getArgNumber());
    auto name = graph.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                   "kiln.name");
    os << "  " << id << " [shape=ellipse, label=\""
       << dotEscape(name ? name.getValue() : StringRef(id)) << "\\n"
       << typeLabel(arg.getType()) << "\"];\n";
    source[arg] = id;
  }

  std::map<size_t, std::vector<std::string>> clusters;
  std::vector<std::string> loose;
  unsigned index = 0;
  for (Operation &op : graph.getBody().front()) {
    if (!isa<KilnDialect>(op.getDialect()))
      continue;
    std::string id = "n" + std::to_string(index++);
    std::string name = nodeNameOf(op.getLoc());
    bool isConstant = op.hasTrait<OpTrait::ConstantLike>();
    std::string decl = "  " + id + " [label=\"" + dotEscape(name) +
                       (name.empty() ? "" : "\\n") +
                       op.getName().stripDialect().str();
    if (op.getNumResults() == 1)
      decl += "\\n" + dotEscape(typeLabel(op.getResult(0).getType()));
    decl += "\"";
    if (isConstant)
      decl += ", shape=note, fillcolor=\"#f4f4f4\"";
    decl += "];\n";
    auto it = kernelOf.find(name);
    if (!isConstant && it != kernelOf.end())
      clusters[it->second].push_back(decl);
    else
      loose.push_back(decl);
    for (Value result : op.getResults())
      source[result] = id;
    for (Value operand : op.getOperands())
      if (auto from = source.find(operand); from != source.end())
        os << "  " << from->second << " -> " << id << ";\n";
  }
  for (const std::string &decl : loose)
    os << decl;
  for (auto &[k, decls] : clusters) {
    const KernelInfo &kernel = kernels[k];
    os << "  subgraph cluster_k" << k << " {\n"
       << "    label=\"kernel " << k << ": reads "
       << formatBytes(kernel.bytesRead) << ", writes "
       << formatBytes(kernel.bytesWritten) << "\";\n"
       << "    style=\"rounded,filled\"; fillcolor=\"#e8f0fe\"; "
          "color=\"#4a74c9\"; fontname=\"Helvetica\"; fontsize=10;\n";
    for (const std::string &decl : decls)
      os << "  " << decl;
    os << "  }\n";
  }
  auto ret = cast<func::ReturnOp>(graph.getBody().front().getTerminator());
  for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
    auto name = graph.getResultAttrOfType<StringAttr>(i, "kiln.name");
    std::string id = "out" + std::to_string(i);
    os << "  " << id << " [shape=ellipse, label=\""
       << dotEscape(name ? name.getValue() : StringRef(id)) << "\\n"
       << typeLabel(value.getType()) << "\"];\n";
    if (auto from = source.find(value); from != source.end())
      os << "  " << from->second << " -> " << id << ";\n";
  }
  os << "}\n";
}

} // namespace

bool mlir::kiln::isGraphPath(StringRef path) {
  StringRef ext = llvm::sys::path::extension(path);
  return ext == ".json" || ext == ".mlir" || ext == ".onnx";
}

int mlir::kiln::inspectCommand(const InspectOptions &options) {
  if (!isGraphPath(options.path)) {
    if (!options.dot.empty()) {
      llvm::errs() << "kiln inspect: error: --dot needs a graph (.json, "
                      ".mlir or .onnx); an artifact holds no graph\n";
      return 1;
    }
    return inspectArtifact(options.path);
  }
  Session session;
  OwningOpRef<ModuleOp> module =
      session.loadGraph(options.path, options.shapes, options.binds);
  if (!module)
    return 1;
  FailureOr<func::FuncOp> graph = findGraph(*module);
  if (failed(graph) || failed(applyShapePins(*graph, options.shapes)))
    return 1;
  std::map<std::string, unsigned> byOp;
  unsigned written = countNodes(*graph, &byOp);

  CpuPipelineOptions pipelineOpts;
  PassManager graphPm(&session.context());
  buildKilnGraphPipeline(graphPm, pipelineOpts);
  if (failed(graphPm.run(*module)))
    return 1;
  graph = findGraph(*module);
  FailureOr<GraphSignature> sig = extractSignature(*graph);
  if (failed(sig))
    return 1;
  unsigned optimized = countNodes(*graph);

  // Kernels come from a lowered copy; the kiln graph stays for the picture.
  OwningOpRef<ModuleOp> lowered = cast<ModuleOp>((*module)->clone());
  PassManager linalgPm(&session.context());
  buildKilnToLinalgPipeline(linalgPm, pipelineOpts);
  if (failed(linalgPm.run(*lowered)))
    return 1;
  std::vector<KernelInfo> kernels = collectKernels(*findGraph(*lowered));
  // Each kernel's nodes in the graph's order.
  std::map<std::string, unsigned> position;
  graph->walk([&](Operation *op) {
    if (isa<KilnDialect>(op->getDialect()))
      position.emplace(nodeNameOf(op->getLoc()), position.size());
  });
  for (KernelInfo &kernel : kernels)
    llvm::stable_sort(kernel.nodes, [&](const std::string &a,
                                        const std::string &b) {
      auto pa = position.find(a), pb = position.find(b);
      unsigned ia = pa == position.end() ? ~0u : pa->second;
      unsigned ib = pb == position.end() ? ~0u : pb->second;
      return ia < ib;
    });

  llvm::raw_ostream &os = llvm::outs();
  os << "graph " << sig->name << "\n";
  for (const TensorSignature &t : sig->inputs)
    printSignatureTensor(os, "input ", t);
  for (const TensorSignature &t : sig->outputs)
    printSignatureTensor(os, "output", t);
  os << "  nodes: " << written << " (" << optimized
     << " after graph optimization)\n";
  for (auto &[name, n] : byOp)
    os << "    " << name << ": " << n << "\n";
  os << "  kernels: " << kernels.size() << "\n";
  int64_t intermediates = 0;
  auto ret = cast<func::ReturnOp>(
      findGraph(*lowered)->getBody().front().getTerminator());
  llvm::SmallPtrSet<Operation *, 8> returned;
  for (Value v : ret.getOperands())
    if (Operation *def = v.getDefiningOp())
      returned.insert(def);
  for (auto [i, kernel] : llvm::enumerate(kernels)) {
    os << "    kernel " << i << " ("
       << kernel.root->getName().getStringRef() << "): reads "
       << formatBytes(kernel.bytesRead) << ", writes "
       << formatBytes(kernel.bytesWritten) << "; nodes:";
    for (const std::string &node : kernel.nodes)
      os << " " << node;
    os << "\n";
    if (!returned.contains(kernel.root)) {
      if (intermediates >= 0 && kernel.bytesWritten >= 0)
        intermediates += kernel.bytesWritten;
      else
        intermediates = -1;
    }
  }
  os << "  intermediates: " << formatBytes(intermediates)
     << " (kernel results that are not outputs)\n";

  // The workspace plan of the compiled graph.
  PassManager planPm(&session.context());
  buildPlanMemoryPipeline(planPm, pipelineOpts);
  if (failed(planPm.run(*lowered)))
    return 1;
  printWorkspacePlan(os, *lowered);

  if (!options.dot.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream file(options.dot, ec);
    if (ec) {
      llvm::errs() << "kiln inspect: error: cannot write " << options.dot
                   << ": " << ec.message() << "\n";
      return 1;
    }
    writeDot(file, *graph, kernels);
  }
  return 0;
}
