// SPDX-License-Identifier: Apache-2.0
using Daf.Ctl;

return await CtlApp.RunAsync(args, CtlEnvironment.ForProcess(TransportChannel.Connect));
